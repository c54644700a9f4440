/**
 * Builders for the records the tests act on: deterministic ids, times, instances, run contexts,
 * and an independent reference of the docs/domain.md risk formula and of RFC 8785 canonical JSON.
 */
import { createHash } from "node:crypto"
import { DateTime, Either, Schema } from "effect"
import {
  ActivitySchema,
  Conformance,
  DataRisk,
  Ids,
  Instance,
  type Json,
  Risk,
  RiskProfile,
  Span,
  Status
} from "@agentledger/domain"

export const baseTime = 1_700_000_000_000
export const partition = Ids.Partition.make(424242)

const randomnessOf = (n: number): string => {
  let out = ""
  let v = n
  for (let i = 0; i < 16; i++) {
    out = Ids.alphabet.charAt(v % 32) + out
    v = Math.floor(v / 32)
  }
  return out
}

/** The n-th id of a kind: valid, in `partition`, distinct for distinct n. */
export const idOf = <A>(kind: Ids.IdSchema<A>, n: number): A =>
  Schema.decodeSync(kind)(Ids.encode(baseTime + n, partition, randomnessOf(n)))

/** A UTC time `ms` milliseconds after the base time. */
export const at = (ms: number): DateTime.Utc => DateTime.unsafeMake(baseTime + ms)

export const makeInstance = (options: {
  readonly n?: number
  readonly status?: Status.Status
  readonly risk?: Risk.InstanceRisk | null
} = {}): Instance.Instance => {
  const n = options.n ?? 1
  const risk = options.risk === undefined ? Risk.initialRisk : options.risk
  return Instance.Instance.make({
    id: idOf(Ids.InstanceId, n),
    account_id: idOf(Ids.AccountId, 0),
    agent_id: idOf(Ids.AgentId, 1),
    agent_version_id: idOf(Ids.AgentVersionId, 2),
    agent_schema_version_id: idOf(Ids.SchemaVersionId, 3),
    environment_id: idOf(Ids.EnvironmentId, 4),
    agent_deployment_id: idOf(Ids.DeploymentId, 5),
    status: options.status ?? "pending",
    purpose: "live",
    started_at: null,
    finished_at: null,
    termination_reason: null,
    span_counts: Status.noCounts,
    conformance_counts: { conforms: 0, flagged: 0 },
    risk_profile_revision_id: risk === null ? null : idOf(Ids.RiskProfileRevisionId, 6),
    risk,
    redacted_at: null,
    quality_payloads: {},
    reported_by: null,
    inserted_at: at(0),
    updated_at: at(0)
  })
}

/** A span type for `schemaOf`. */
export interface TypeDecl {
  readonly name: string
  readonly params?: Json.Json
  readonly result?: Json.Json
  readonly risk?: DataRisk.DataRisk
}

/** A normalized activity schema from a few declarations (throws on a malformed one). */
export const schemaOf = (types: ReadonlyArray<TypeDecl>, external_identifier: string | null = null): ActivitySchema.ActivitySchema =>
  Either.getOrThrow(
    ActivitySchema.normalize({
      external_identifier,
      span_type_schemas: types.map((t) => ({
        name: t.name,
        ...(t.params === undefined ? {} : { params_schema: t.params }),
        ...(t.result === undefined ? {} : { result_schema: t.result }),
        ...(t.risk === undefined ? {} : { data_risk: t.risk })
      }))
    })
  )

export const rulesOf = (input: RiskProfile.RiskRulesInput): RiskProfile.RiskRules => Either.getOrThrow(RiskProfile.validateRules(input))

/** What a span decision needs, from a schema and (optionally) a profile. */
export const contextOf = (schema: ActivitySchema.ActivitySchema, rules: RiskProfile.RiskRules | null): Span.RunContext =>
  Span.runContext(
    schema.span_type_schemas,
    Conformance.compileActivitySchema(schema),
    rules === null ? null : { table: Risk.scoringTable(schema, rules), thresholds: rules.thresholds }
  )

// ---------------------------------------------------------------------------------------------
// Reference risk calculation, from docs/domain.md and the client's input (not from RiskRules)
// ---------------------------------------------------------------------------------------------

/** The weight a profile input gives a category, or undefined when it does not include it. */
const includedWeight = (input: RiskProfile.RiskRulesInput, category: string): number | undefined => {
  const rule = Object.entries(input.category_weights).find(([key]) => key === category)?.[1]
  // An omitted category is excluded.
  return rule !== undefined && rule.included ? rule.weight : undefined
}

/** The multiplier in hundredths a profile input gives an action, or undefined when excluded. */
const includedMultiplier = (input: RiskProfile.RiskRulesInput, action: string): number | undefined => {
  const rule = Object.entries(input.action_multipliers).find(([key]) => key === action)?.[1]
  // An omitted action is included and neutral (1.00).
  if (rule === undefined) return 100
  return rule.included ? Math.round(rule.multiplier * 100) : undefined
}

/**
 * score(type) = Σ_{c ∈ C} Σ_{a ∈ A} weight(c) × multiplier(a), in hundredths, written as the
 * double sum of the design (not factorized).
 */
export const referenceScore = (risk: DataRisk.DataRisk, input: RiskProfile.RiskRulesInput): number => {
  const C = DataRisk.categories.filter((c) =>
    (risk.params_data_categories[c] === "included" || risk.result_data_categories[c] === "included") &&
    includedWeight(input, c) !== undefined
  )
  const A = DataRisk.actions.filter((a) => risk.action_profile[a] === "allowed" && includedMultiplier(input, a) !== undefined)
  let total = 0
  for (const c of C) {
    for (const a of A) total += (includedWeight(input, c) ?? 0) * (includedMultiplier(input, a) ?? 0)
  }
  return total
}

export const levelRank = { low: 0, medium: 1, high: 2, critical: 3 } as const

/** The level of a total (hundredths) under thresholds given as the client's decimals. */
export const referenceLevel = (total: number, thresholds: RiskProfile.RiskRulesInput["thresholds"]): Risk.RiskLevel => {
  const medium = Math.round(thresholds.medium * 100)
  const high = Math.round(thresholds.high * 100)
  const critical = Math.round(thresholds.critical * 100)
  if (total < medium) return "low"
  if (total < high) return "medium"
  if (total < critical) return "high"
  return "critical"
}

// ---------------------------------------------------------------------------------------------
// Reference RFC 8785 canonical JSON (for strings, finite numbers, arrays and objects)
// ---------------------------------------------------------------------------------------------

/** Keys sorted by UTF-16 code units, no whitespace, ECMAScript number and string forms. */
export const referenceJcs = (value: unknown): string => {
  if (value === null || typeof value === "boolean" || typeof value === "number" || typeof value === "string") {
    return JSON.stringify(value)
  }
  if (Array.isArray(value)) return `[${value.map(referenceJcs).join(",")}]`
  if (typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined)
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${referenceJcs(v)}`).join(",")}}`
  }
  throw new Error(`not JSON: ${typeof value}`)
}

export const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex")

// ---------------------------------------------------------------------------------------------
// Random runs: a fold of span and instance decisions over a sequence of steps
// ---------------------------------------------------------------------------------------------

export type RunStep =
  | {
    readonly kind: "record"
    readonly type: number
    readonly status: Status.Status
    readonly parent: number | null
    readonly withResult: boolean
  }
  | { readonly kind: "finish"; readonly span: number; readonly status: Status.FinishStatus; readonly withResult: boolean }
  | { readonly kind: "terminate" }
  | { readonly kind: "finishInstance"; readonly status: Status.FinishStatus }

export interface RunState {
  readonly instance: Instance.Instance
  readonly spans: ReadonlyArray<Span.Span>
}

export interface StepOutcome {
  readonly step: RunStep
  readonly before: RunState
  readonly after: RunState
  /** The tag of the refusal, when the step was refused; undefined when accepted or not applicable. */
  readonly refused: { readonly _tag: string; readonly entity?: string; readonly status?: string } | undefined
  /** The span the step acted on (recorded, or finished), when there was one. */
  readonly target: Span.Span | undefined
}

/**
 * Plays `steps` on an instance. `names` are the span types a step may record (by index, modulo);
 * records carry `{}` payloads and `{ ok: true }` results.
 */
export const playRun = (
  context: Span.RunContext,
  start: Instance.Instance,
  names: ReadonlyArray<string>,
  steps: ReadonlyArray<RunStep>
): ReadonlyArray<StepOutcome> => {
  const outcomes: Array<StepOutcome> = []
  let state: RunState = { instance: start, spans: [] }
  steps.forEach((step, index) => {
    const now = at(1000 * (index + 1))
    const before = state
    let refused: StepOutcome["refused"] = undefined
    let target: Span.Span | undefined = undefined
    switch (step.kind) {
      case "record": {
        const parent = step.parent === null || state.spans.length === 0 ? null : state.spans[step.parent % state.spans.length] ?? null
        const result = Span.recordSpan({
          instance: state.instance,
          input: {
            schema_name: names[step.type % names.length] ?? "none",
            status: step.status,
            payload: {},
            ...(step.withResult && Status.isTerminal(step.status) ? { result_payload: { ok: true } } : {})
          },
          parent,
          context,
          id: idOf(Ids.SpanId, 10_000 + index),
          now
        })
        if (Either.isRight(result)) {
          target = result.right.span
          state = { instance: result.right.instance, spans: [...state.spans, result.right.span] }
        } else refused = result.left
        break
      }
      case "finish": {
        const span = state.spans[step.span % Math.max(1, state.spans.length)]
        if (span === undefined) break
        target = span
        const result = Span.finishSpan({
          span,
          instance: state.instance,
          input: { status: step.status, ...(step.withResult ? { result_payload: { ok: true } } : {}) },
          context,
          now
        })
        if (Either.isRight(result)) {
          const finished = result.right.span
          target = finished
          state = { instance: result.right.instance, spans: state.spans.map((s) => (s.id === finished.id ? finished : s)) }
        } else refused = result.left
        break
      }
      case "terminate": {
        const result = Instance.terminate(state.instance, "stopped by an operator", now)
        if (Either.isRight(result)) {
          const closed = Span.terminateOpenSpans(result.right, state.spans, now)
          const byId = new Map(closed.spans.map((s) => [s.id, s]))
          state = { instance: closed.instance, spans: state.spans.map((s) => byId.get(s.id) ?? s) }
        } else refused = result.left
        break
      }
      case "finishInstance": {
        const result = Instance.finish(state.instance, step.status, now)
        if (Either.isRight(result)) state = { ...state, instance: result.right }
        else refused = result.left
        break
      }
    }
    outcomes.push({ step, before, after: state, refused, target })
  })
  return outcomes
}
