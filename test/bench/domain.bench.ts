/**
 * The domain's speed targets, each against a baseline measured in the same run:
 *
 * - One span decision (`Span.decideSpan`: conformance of payload and result plus the risk
 *   increment): ≥ 1,000,000 decisions/s on one core, and ≤ 2× the time of the bare Ajv validate
 *   calls it wraps (same payloads, same schemas, a plain `new Ajv({allErrors:true,
 *   strict:false})`).
 * - Fingerprinting a 50-span-type schema (`ActivitySchema.normalize` + `schemaFingerprint`):
 *   ≤ 1 ms, reported with its ratio to `JSON.stringify` + SHA-256 of the same input (the cost
 *   of canonicalization).
 *
 * The other rows are sub-steps, printed so that a missed target shows where its time goes.
 */
import {
  ActivitySchema,
  Conformance,
  Digest,
  Risk,
  RiskProfile,
  Span
} from "@agentledger/domain"
import { Ajv, type ValidateFunction } from "ajv"
import { Either, Schema } from "effect"
import { createHash } from "node:crypto"
import {
  type BenchResult,
  formatInt,
  formatNs,
  formatRatio,
  measure,
  passFail,
  printResults,
  printTable,
  ratio,
  type Verdict
} from "./harness.js"

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

const llmType = "llm:chat"
const toolType = "tool:search_orders"

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

const orThrow = <A, E>(either: Either.Either<A, E>, what: string): A =>
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

const context: Span.RunContext = Span.runContext(
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
const spans: ReadonlyArray<SpanCase> = [
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

const decideSpans = (iterations: number): number => {
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
const bareSpans = spans.map((span) => {
  const validators = bareValidators.get(span.schemaName)
  if (validators === undefined) throw new Error(`bench fixture: no bare validator for ${span.schemaName}`)
  return { ...span, validators }
})

const bareAjvValidates = (iterations: number): number => {
  let acc = 0
  for (let i = 0; i < iterations; i++) {
    const span = bareSpans[i & spanMask]
    if (span === undefined) continue
    acc += (span.validators.params(span.payload) ? 1 : 0) + (span.validators.result(span.result) ? 1 : 0)
  }
  return acc
}

// Sub-step: conformance alone (no risk), to split the decision's overhead.
const checkSpans = (iterations: number): number => {
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

const domainValidates = (iterations: number): number => {
  let acc = 0
  for (let i = 0; i < iterations; i++) {
    const span = domainSpans[i & spanMask]
    if (span === undefined) continue
    acc += (span.params(span.payload) ? 1 : 0) + (span.result(span.result) ? 1 : 0)
  }
  return acc
}

// Sub-step: the risk increment alone (pointsFor + addPoints).
const riskIncrements = (iterations: number): number => {
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

// ---- fixtures: fingerprinting a 50-span-type schema -----------------------------------------

const propertyKinds = [
  { type: "string", minLength: 1, maxLength: 200 },
  { type: "integer", minimum: 0 },
  { type: "number" },
  { type: "boolean" },
  { type: "array", items: { type: "string" }, maxItems: 50 },
  { type: "string", enum: ["low", "normal", "high"] }
]
const actionNames = ["create_data", "read_data", "update_data", "destroy_data", "financial_transactions", "external_communication"]
const categoryNames = [
  "personal_identifiers",
  "contact_information",
  "financial_information",
  "health_and_medical",
  "authentication_and_secrets",
  "organisational_confidential",
  "location_and_tracking"
]
const permissions = ["allowed", "disallowed", "unknown"]
const flags = ["included", "excluded", "unknown"]
const classificationNames = ["public", "internal", "confidential", "restricted"]

const pick = <A>(values: ReadonlyArray<A>, index: number): A => {
  const value = values[index % values.length]
  if (value === undefined) throw new Error("bench fixture: empty list")
  return value
}

const objectSchema = (prefix: string, seed: number, count: number) => {
  const properties: Record<string, unknown> = {}
  const required: Array<string> = []
  for (let p = 0; p < count; p++) {
    const name = `${prefix}_${p}`
    properties[name] = { ...pick(propertyKinds, seed + p), description: `The ${prefix} field number ${p} of this span type.` }
    if (p < count - 1) required.push(name)
  }
  return { type: "object", properties, required, additionalProperties: false }
}

/** 50 span types, as an agent would register them: params/result schemas and a data_risk each. */
const rawFiftyTypeSchema = {
  external_identifier: "fleet-agent-schema-2026-11",
  span_type_schemas: Array.from({ length: 50 }, (_, t) => ({
    name: `${pick(["tool", "llm", "retrieval", "agent", "guardrail"], t)}:step_${String(t).padStart(2, "0")}`,
    title: `Step ${t}`,
    description: `Span type ${t} of the fleet agent: what it does and why it is recorded.`,
    template: `Step ${t} with {{input_0}}`,
    result_template: t % 2 === 0 ? `Step ${t} returned {{output_0}}` : null,
    params_schema: objectSchema("input", t, 3 + (t % 3)),
    result_schema: objectSchema("output", t + 1, 2 + (t % 3)),
    data_risk: {
      action_profile: {
        [pick(actionNames, t)]: pick(permissions, t),
        [pick(actionNames, t + 2)]: pick(permissions, t + 1)
      },
      params_data_categories: {
        classification: pick(classificationNames, t),
        [pick(categoryNames, t)]: pick(flags, t),
        [pick(categoryNames, t + 3)]: pick(flags, t + 1)
      },
      result_data_categories: {
        classification: pick(classificationNames, t + 1),
        [pick(categoryNames, t + 1)]: pick(flags, t + 2)
      }
    }
  }))
}

/** Decoded once, like a register call's body; the timed work starts at `normalize`. */
const fiftyTypeInput = Schema.decodeUnknownSync(ActivitySchema.ActivitySchemaInput)(rawFiftyTypeSchema)
const fiftyTypeNormalized = orThrow(ActivitySchema.normalize(fiftyTypeInput), "normalize 50 types")
const fiftyTypeCanonical = Digest.canonicalJson(fiftyTypeNormalized)

const fingerprints = (iterations: number): number => {
  let acc = 0
  for (let i = 0; i < iterations; i++) {
    const normalized = ActivitySchema.normalize(fiftyTypeInput)
    if (Either.isLeft(normalized)) throw normalized.left
    acc += ActivitySchema.schemaFingerprint(normalized.right).charCodeAt(i & 63)
  }
  return acc
}

const stringifyAndHash = (iterations: number): number => {
  let acc = 0
  for (let i = 0; i < iterations; i++) {
    acc += createHash("sha256").update(JSON.stringify(fiftyTypeInput)).digest("hex").charCodeAt(i & 63)
  }
  return acc
}

const normalizeOnly = (iterations: number): number => {
  let acc = 0
  for (let i = 0; i < iterations; i++) {
    const normalized = ActivitySchema.normalize(fiftyTypeInput)
    acc += Either.isRight(normalized) ? 1 : 0
  }
  return acc
}

const canonicalizeOnly = (iterations: number): number => {
  let acc = 0
  // `.length` does not flatten the string the serializer built piecewise: this is the
  // serializer alone.
  for (let i = 0; i < iterations; i++) acc += Digest.canonicalJson(fiftyTypeNormalized).length
  return acc
}

const fingerprintOfNormalized = (iterations: number): number => {
  let acc = 0
  for (let i = 0; i < iterations; i++) acc += Digest.fingerprintOf(fiftyTypeNormalized).charCodeAt(i & 63)
  return acc
}

const stringifyOnly = (iterations: number): number => {
  let acc = 0
  for (let i = 0; i < iterations; i++) acc += JSON.stringify(fiftyTypeInput).length
  return acc
}

/** The canonical text as one flat string, as hashing it right after building it would not find it. */
const hashOnly = (iterations: number): number => {
  let acc = 0
  for (let i = 0; i < iterations; i++) acc += Digest.sha256Hex(fiftyTypeCanonical).charCodeAt(i & 63)
  return acc
}

// ---- the module -----------------------------------------------------------------------------

const byName = (results: ReadonlyArray<BenchResult>, name: string): BenchResult => {
  const result = results.find((r) => r.name === name)
  if (result === undefined) throw new Error(`no result named ${name}`)
  return result
}

const sanityCheck = (): void => {
  // The fixtures must exercise the path the targets are about: every span conforms, scores.
  for (const span of spans) {
    const decision = Span.decideSpan(context, Risk.initialRisk, span.schemaName, span.payload, span.result, "complete")
    if (decision.flagged || decision.points === 0) {
      throw new Error(`bench fixture: ${span.schemaName} span flagged=${decision.flagged} points=${decision.points}`)
    }
  }
  for (const span of bareSpans) {
    if (span.validators.params(span.payload) !== true || span.validators.result(span.result) !== true) {
      throw new Error(`bench fixture: bare Ajv rejects a ${span.schemaName} span`)
    }
  }
  if (Object.keys(fiftyTypeNormalized.span_type_schemas).length !== 50) throw new Error("bench fixture: expected 50 types")
}

export const runDomainBench = (): ReadonlyArray<Verdict> => {
  sanityCheck()
  const verdicts: Array<Verdict> = []

  console.log("\n### One span decision: Span.decideSpan vs the bare Ajv validate calls\n")
  console.log(`${spans.length} spans cycled, types alternating (permissive ${llmType}, strict ${toolType}), payload + result checked, risk scored, status complete\n`)
  const decision = measure([
    { name: "Span.decideSpan", fn: decideSpans },
    { name: "bare Ajv: validate payload + result (baseline)", fn: bareAjvValidates },
    { name: "  sub-step: the domain's compiled validators, direct", fn: domainValidates },
    { name: "  sub-step: Conformance.checkSpan", fn: checkSpans },
    { name: "  sub-step: Risk.pointsFor + addPoints", fn: riskIncrements }
  ])
  printResults(decision)
  const decide = byName(decision, "Span.decideSpan")
  const bare = byName(decision, "bare Ajv: validate payload + result (baseline)")
  const decisionRatio = ratio(decide, bare)
  verdicts.push(
    {
      module: "domain",
      target: "span decisions/s ≥ 1,000,000",
      measured: `${formatInt(decide.opsPerSec)}/s (${formatNs(decide.nsPerOp)})`,
      pass: decide.opsPerSec >= 1_000_000
    },
    {
      module: "domain",
      target: "span decision ≤ 2× bare Ajv",
      measured: `${formatRatio(decisionRatio)} (${formatNs(decide.nsPerOp)} vs ${formatNs(bare.nsPerOp)})`,
      pass: decisionRatio <= 2
    }
  )

  console.log("\n### Fingerprinting a 50-span-type schema: normalize + schemaFingerprint vs JSON.stringify + SHA-256\n")
  const dataRiskBytes = Object.values(fiftyTypeNormalized.span_type_schemas)
    .reduce((sum, definition) => sum + Digest.canonicalJson(definition.data_risk).length, 0)
  console.log(
    `input: ${JSON.stringify(fiftyTypeInput).length} bytes as JSON; canonical normalized form: ${fiftyTypeCanonical.length} bytes, ` +
      `of which ${dataRiskBytes} (${Math.round((100 * dataRiskBytes) / fiftyTypeCanonical.length)}%) are the data_risk blocks\n`
  )
  const fingerprint = measure([
    { name: "normalize + schemaFingerprint", fn: fingerprints },
    { name: "JSON.stringify + SHA-256 (baseline)", fn: stringifyAndHash },
    { name: "  sub-step: ActivitySchema.normalize", fn: normalizeOnly },
    { name: "  sub-step: Digest.fingerprintOf (canonicalJson + sha256Hex)", fn: fingerprintOfNormalized },
    { name: "  sub-step: Digest.canonicalJson (string left unflattened)", fn: canonicalizeOnly },
    { name: "  sub-step: Digest.sha256Hex of the flat canonical text", fn: hashOnly },
    { name: "  baseline sub-step: JSON.stringify", fn: stringifyOnly }
  ], { samples: 15, sampleMs: 60 })
  printResults(fingerprint)
  const fp = byName(fingerprint, "normalize + schemaFingerprint")
  const plain = byName(fingerprint, "JSON.stringify + SHA-256 (baseline)")
  verdicts.push({
    module: "domain",
    target: "50-type fingerprint ≤ 1 ms",
    measured: `${formatNs(fp.nsPerOp)} (${formatRatio(ratio(fp, plain))} of stringify+hash, ${formatNs(plain.nsPerOp)})`,
    pass: fp.nsPerOp <= 1_000_000
  })

  console.log("\n### Domain targets\n")
  printTable(["target", "measured", "verdict"], verdicts.map((v) => [v.target, v.measured, passFail(v.pass)]))
  return verdicts
}
