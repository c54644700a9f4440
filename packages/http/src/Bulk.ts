/**
 * `POST /api/v1/bulk`: several calls in one request. Items run in order, each in its own
 * transaction under its own idempotency key (8–64 characters, unique in the request); the first
 * failing item stops the batch, and `outputs` maps each key that ran to its answer or its error.
 */
import { Commands, Ids, Json } from "@agentledger/domain"
import { Schema } from "effect"
import { DomainErrors } from "./ApiError.js"
import { AgentResource, InstanceResource, SpanResource } from "./Resources.js"

const item = <const Type extends string, Fields extends Schema.Struct.Fields>(type: Type, fields: Fields) =>
  Schema.Struct({ _type: Schema.Literal(type), idempotency_key: Schema.String, ...fields })

export const BulkItem = Schema.Union(
  item("agent_instances/register", Commands.RegisterRun.fields),
  item("agent_instances/start", { agent_instance_id: Ids.InstanceId, ...Commands.StartRun.fields }),
  item("agent_instances/finish", { agent_instance_id: Ids.InstanceId, ...Commands.FinishRun.fields }),
  item("agent_spans/create", { details: Commands.CreateSpan }),
  item("agent_spans/finish", { agent_span_id: Ids.SpanId, ...Commands.FinishSpan.fields }),
  item("agents/create", { details: Commands.CreateAgent })
).annotations({ identifier: "BulkItem" })
export type BulkItem = typeof BulkItem.Type

export const BulkRequest = Schema.Struct({ items: Schema.Array(BulkItem) }).annotations({ identifier: "BulkRequest" })

const success = <const Type extends BulkItem["_type"], S extends Schema.Schema.AnyNoContext>(type: Type, details: S) =>
  Schema.Struct({ status: Schema.Literal("success"), _type: Schema.Literal(type), details })

export const BulkOutput = Schema.Union(
  success("agent_instances/register", InstanceResource),
  success("agent_instances/start", InstanceResource),
  success("agent_instances/finish", InstanceResource),
  success("agent_spans/create", SpanResource),
  success("agent_spans/finish", SpanResource),
  success("agents/create", AgentResource),
  ...DomainErrors
).annotations({ identifier: "BulkOutput" })
export type BulkOutput = typeof BulkOutput.Type

export const BulkResponse = Schema.Struct({
  status: Schema.Literal("success"),
  // Built with own keys (`Schema.Record` assigns onto `{}`, where `__proto__` is no key).
  outputs: Json.OwnRecord(BulkOutput)
}).annotations({ identifier: "BulkResponse" })
