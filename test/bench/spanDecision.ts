/**
 * The span-decision half of the domain bench: an agent's two span types (a permissive LLM call and
 * a strict tool call), realistic payloads, and the timed loops — `Span.decideSpan`, the bare Ajv
 * calls it wraps (the baseline), and its sub-steps.
 */
import { ActivitySchema, Conformance, Risk, RiskProfile, Span } from "@agentledger/domain"
import { Ajv, type ValidateFunction } from "ajv"
import { Either, Schema } from "effect"

// ---- fixtures: one span decision ----------------------------------------------------------

const permissiveSchema = { type: "object", additionalProperties: true }

/** A tool call with 4 typed required properties and nothing else allowed. */
const strictParamsSchema = {
  type: "object",
  properties: {
    customer_id: { type: "string", minLength: 1 },
    status: { type: "string", enum: ["open", "shipped", "cancelled"] },
    limit: { type: "integer", minimum: 1, maximum: 100 },
    include_archived: { type: "boolean" }
  },
  required: ["customer_id", "status", "limit", "include_archived"],
  additionalProperties: false
}

/** Its result: 3 typed required properties, nothing else allowed. */
const strictResultSchema = {
  type: "object",
  properties: {
    order_ids: { type: "array", items: { type: "string" } },
    total: { type: "integer", minimum: 0 },
    next_cursor: { type: ["string", "null"] }
  },
  required: ["order_ids", "total", "next_cursor"],
  additionalProperties: false
}

export const llmType = "llm:chat"
export const toolType = "tool:search_orders"

/** The activity schema as an agent registers it (decoded like a register call's body). */
const spanDecisionSchemaInput = Schema.decodeUnknownSync(ActivitySchema.ActivitySchemaInput)({
  external_identifier: "support-agent-schema-v3",
  span_type_schemas: [
    {
      name: llmType,
      title: "LLM chat completion",
      params_schema: permissiveSchema,
      result_schema: permissiveSchema,
      data_risk: {
        action_profile: { external_communication: "allowed", read_data: "disallowed" },
        params_data_categories: { contact_information: "included", classification: "internal" },
        result_data_categories: { personal_identifiers: "unknown" }
      }
    },
    {
      name: toolType,
      title: "Search a customer's orders",
      params_schema: strictParamsSchema,
      result_schema: strictResultSchema,
      data_risk: {
        action_profile: { read_data: "allowed", update_data: "disallowed" },
        params_data_categories: { personal_identifiers: "included", classification: "confidential" },
        result_data_categories: { financial_information: "included", personal_identifiers: "included" }
      }
    }
  ]
})

export const orThrow = <A, E>(either: Either.Either<A, E>, what: string): A =>
  Either.getOrThrowWith(either, (error) => new Error(`bench fixture: ${what}: ${String(error)}`))

const spanDecisionSchema = orThrow(ActivitySchema.normalize(spanDecisionSchemaInput), "normalize")

const riskRules = orThrow(
  RiskProfile.validateRules({
    category_weights: {
      personal_identifiers: { weight: 8, included: true },
      financial_information: { weight: 4, included: true },
      contact_information: { weight: 3, included: true },
      health_and_medical: { weight: 10, included: false }
    },
    action_multipliers: {
      read_data: { multiplier: 1, included: true },
      external_communication: { multiplier: 1.5, included: true },
      destroy_data: { multiplier: 3, included: true }
    },
    thresholds: { medium: 50, high: 200, critical: 1000 }
  }),
  "validateRules"
)

export const context: Span.RunContext = Span.runContext(
  spanDecisionSchema.span_type_schemas,
  Conformance.compileActivitySchema(spanDecisionSchema),
  { table: Risk.scoringTable(spanDecisionSchema, riskRules), thresholds: riskRules.thresholds }
)

interface SpanCase {
  readonly schemaName: string
  readonly payload: unknown
  readonly result: unknown
}

const llmSpan = (prompt: string, answer: string, inputTokens: number, outputTokens: number): SpanCase => ({
  schemaName: llmType,
  payload: {
    model: "gpt-4o-mini",
    temperature: 0.2,
    messages: [
      { role: "system", content: "You are a support agent for an online shop." },
      { role: "user", content: prompt }
    ]
  },
  result: { text: answer, finish_reason: "stop", usage: { input_tokens: inputTokens, output_tokens: outputTokens } }
})

const toolSpan = (customer: string, status: string, limit: number, ids: ReadonlyArray<string>, cursor: string | null): SpanCase => ({
  schemaName: toolType,
  payload: { customer_id: customer, status, limit, include_archived: false },
  result: { order_ids: ids, total: ids.length, next_cursor: cursor }
})

/** Alternating span types, realistic small payloads and results, all conforming. */
export const spans: ReadonlyArray<SpanCase> = [
  llmSpan("Where is my order 4411?", "Let me look that up for you.", 182, 9),
  toolSpan("cus_01HZX3", "open", 10, ["ord_4411", "ord_4502"], null),
  llmSpan("Can I change the delivery address?", "Yes, until it ships.", 214, 12),
  toolSpan("cus_01HZX3", "shipped", 25, ["ord_3980"], "c_2"),
  llmSpan("Cancel order 4502 please.", "I have cancelled order 4502.", 240, 11),
  toolSpan("cus_07KQW1", "cancelled", 5, [], null),
  llmSpan("Do you ship to Norway?", "We do, in 3 to 5 working days.", 160, 14),
  toolSpan("cus_07KQW1", "open", 50, ["ord_5120", "ord_5121", "ord_5122"], "c_9")
]
const spanMask = spans.length - 1 // a power of two: `i & spanMask` cycles through the cases

/** Spans per simulated run: the risk starts again from zero at each run. */
const runLength = 64

export const decideSpans = (iterations: number): number => {
  let acc = 0
  let risk: Risk.InstanceRisk | null = Risk.initialRisk
  for (let i = 0; i < iterations; i++) {
    const span = spans[i & spanMask]
    if (span === undefined) continue
    if ((i & (runLength - 1)) === 0) risk = Risk.initialRisk
    const decision = Span.decideSpan(context, risk, span.schemaName, span.payload, span.result, "complete")
    risk = decision.risk
    acc += decision.points + (decision.flagged ? 1 : 0) + decision.conformance.errors.length
  }
  return acc + (risk?.total ?? 0)
}

// The baseline: the same two schemas compiled directly, the same payloads, two validate calls.
const bareAjv = new Ajv({ allErrors: true, strict: false })
const bareValidators = new Map<string, { readonly params: ValidateFunction; readonly result: ValidateFunction }>([
  [llmType, { params: bareAjv.compile(permissiveSchema), result: bareAjv.compile(permissiveSchema) }],
  [toolType, { params: bareAjv.compile(strictParamsSchema), result: bareAjv.compile(strictResultSchema) }]
])
export const bareSpans = spans.map((span) => {
  const validators = bareValidators.get(span.schemaName)
  if (validators === undefined) throw new Error(`bench fixture: no bare validator for ${span.schemaName}`)
  return { ...span, validators }
})

export const bareAjvValidates = (iterations: number): number => {
  let acc = 0
  for (let i = 0; i < iterations; i++) {
    const span = bareSpans[i & spanMask]
    if (span === undefined) continue
    acc += (span.validators.params(span.payload) ? 1 : 0) + (span.validators.result(span.result) ? 1 : 0)
  }
  return acc
}

// Sub-step: conformance alone (no risk), to split the decision's overhead.
export const checkSpans = (iterations: number): number => {
  let acc = 0
  for (let i = 0; i < iterations; i++) {
    const span = spans[i & spanMask]
    if (span === undefined) continue
    const conformance = Conformance.checkSpan(context.schema, span.schemaName, span.payload, span.result, "complete")
    acc += conformance.errors.length + (conformance.payload === "conforms" ? 1 : 0)
  }
  return acc
}

// Sub-step: the domain's own compiled validators, called directly (rules out its Ajv options).
const domainSpans = spans.map((span) => {
  const type = context.schema.types.get(span.schemaName)
  const params = type?.params.validate
  const result = type?.result.validate
  if (params === undefined || result === undefined) throw new Error(`bench fixture: ${span.schemaName} did not compile`)
  return { ...span, params, result }
})

export const domainValidates = (iterations: number): number => {
  let acc = 0
  for (let i = 0; i < iterations; i++) {
    const span = domainSpans[i & spanMask]
    if (span === undefined) continue
    acc += (span.params(span.payload) ? 1 : 0) + (span.result(span.result) ? 1 : 0)
  }
  return acc
}

// Sub-step: the risk increment alone (pointsFor + addPoints).
export const riskIncrements = (iterations: number): number => {
  const scoring = context.scoring
  if (scoring === null) throw new Error("bench fixture: no scoring")
  let acc = 0
  let risk = Risk.initialRisk
  for (let i = 0; i < iterations; i++) {
    const span = spans[i & spanMask]
    if (span === undefined) continue
    if ((i & (runLength - 1)) === 0) risk = Risk.initialRisk
    const points = Risk.pointsFor(scoring.table, span.schemaName)
    risk = Risk.addPoints(risk, points, scoring.thresholds)
    acc += points
  }
  return acc + risk.total
}

