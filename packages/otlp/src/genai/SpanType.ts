/**
 * A span's type (`schema_name`) from its attributes: the GenAI operation (`gen_ai.chat`,
 * `gen_ai.execute_tool`, `gen_ai.invoke_agent`…) — the span name carries the model and is
 * unbounded, the operation is what the conventions type spans by — else the kind of the older
 * dialects still in the field (OpenInference's `openinference.span.kind`, OpenLLMetry's
 * `traceloop.span.kind`), else `otel.span`.
 */
import { Span } from "@agentledger/domain"
import type * as Model from "../Model.js"

export const attributes = {
  operation: "gen_ai.operation.name",
  openInferenceKind: "openinference.span.kind",
  traceloopKind: "traceloop.span.kind"
} as const

/** The type of a span no convention names. */
export const genericType = "otel.span"

/** The operations the GenAI conventions list (`model/gen-ai/registry.yaml`); others may be used. */
export const operations = [
  "chat",
  "generate_content",
  "text_completion",
  "embeddings",
  "retrieval",
  "create_agent",
  "invoke_agent",
  "invoke_workflow",
  "execute_tool",
  "plan",
  "search_memory",
  "create_memory",
  "update_memory",
  "upsert_memory",
  "delete_memory",
  "create_memory_store",
  "delete_memory_store"
] as const

/** OpenInference's span kinds (`openinference.span.kind`). */
export const openInferenceKinds = ["llm", "embedding", "chain", "retriever", "reranker", "tool", "agent", "guardrail", "evaluator", "prompt"] as const

/** OpenLLMetry's span kinds (`traceloop.span.kind`). */
export const traceloopKinds = ["workflow", "task", "agent", "tool", "unknown"] as const

const textOf = (value: Model.AnyValue | undefined): string => (value?._tag === "string" ? value.value.trim() : "")

/** A type name within the ledger's length. */
const named = (prefix: string, name: string): string => `${prefix}${name}`.slice(0, Span.maxSchemaNameLength)

/** The span type of a span with these attributes. */
export const schemaNameOf = (attributes_: ReadonlyMap<string, Model.AnyValue>): string => {
  const operation = textOf(attributes_.get(attributes.operation))
  if (operation !== "") return named("gen_ai.", operation)
  const openInference = textOf(attributes_.get(attributes.openInferenceKind))
  if (openInference !== "") return named("openinference.", openInference.toLowerCase())
  const traceloop = textOf(attributes_.get(attributes.traceloopKind))
  if (traceloop !== "") return named("traceloop.", traceloop.toLowerCase())
  return genericType
}
