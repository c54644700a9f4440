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
import { ActivitySchema, Digest, Risk, Span } from "@agentledger/domain"
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
import {
  bareAjvValidates,
  bareSpans,
  checkSpans,
  context,
  decideSpans,
  domainValidates,
  llmType,
  orThrow,
  riskIncrements,
  spans,
  toolType
} from "./spanDecision.js"

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
