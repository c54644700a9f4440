/**
 * Reference calculations, written independently of the domain's own code: canonical JSON for
 * comparing records, risk scoring exactly as docs/domain.md states it, JSON-Schema conformance
 * through a separate Ajv instance, and the timeline order. The conformance suite compares what
 * an adapter answers with these.
 */
import { DataRisk, type RiskProfile } from "@agentledger/domain"
import { Ajv, type ValidateFunction } from "ajv"
import { DateTime } from "effect"

// ---------------------------------------------------------------------------------------------
// Plain values and canonical text
// ---------------------------------------------------------------------------------------------

/** A JSON value: what `plain` turns a record into. */
export type Plain = null | boolean | number | string | ReadonlyArray<Plain> | { readonly [key: string]: Plain }

/**
 * A record as plain JSON: class instances become objects of their own fields, date-times
 * become ISO text, `undefined` fields disappear. Two records are the same when their plain
 * forms are.
 */
export const plain = (value: unknown): Plain => {
  if (value === null || value === undefined) return null
  if (typeof value === "boolean" || typeof value === "number" || typeof value === "string") return value
  if (DateTime.isDateTime(value)) return DateTime.formatIso(DateTime.toUtc(value))
  if (Array.isArray(value)) return value.map(plain)
  if (typeof value === "object") {
    const out: Record<string, Plain> = {}
    for (const [key, field] of Object.entries(value)) {
      if (field !== undefined && typeof field !== "function") out[key] = plain(field)
    }
    return out
  }
  return String(value)
}

/** Canonical text of a value: object keys sorted at every depth. */
export const canonical = (value: unknown): string => JSON.stringify(sortKeys(plain(value)))

const isPlainArray = (value: Plain): value is ReadonlyArray<Plain> => Array.isArray(value)

const sortKeys = (value: Plain): Plain => {
  if (value === null || typeof value !== "object") return value
  if (isPlainArray(value)) return value.map(sortKeys)
  const out: Record<string, Plain> = {}
  const object = value
  for (const key of Object.keys(object).sort()) {
    const field = object[key]
    if (field !== undefined) out[key] = sortKeys(field)
  }
  return out
}

/** Whether two values have the same canonical text. */
export const same = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b)

// ---------------------------------------------------------------------------------------------
// Risk, as docs/domain.md defines it (amounts in integer hundredths)
// ---------------------------------------------------------------------------------------------

export type Level = "low" | "medium" | "high" | "critical"
export const levelRank: Record<Level, number> = { low: 0, medium: 1, high: 2, critical: 3 }

export interface ReferenceRules {
  readonly weights: ReadonlyMap<string, { readonly weight: number; readonly included: boolean }>
  readonly multipliers: ReadonlyMap<string, { readonly hundredths: number; readonly included: boolean }>
  readonly thresholds: { readonly medium: number; readonly high: number; readonly critical: number }
}

/** The rules of a (valid) profile input: omitted categories are excluded, omitted actions neutral and included. */
export const referenceRules = (input: RiskProfile.RiskRulesInput): ReferenceRules => ({
  weights: new Map(Object.entries(input.category_weights).map(([key, value]) => [key, { weight: value.weight, included: value.included }])),
  multipliers: new Map(
    Object.entries(input.action_multipliers).map(([key, value]) => [key, { hundredths: Math.round(value.multiplier * 100), included: value.included }])
  ),
  thresholds: {
    medium: Math.round(input.thresholds.medium * 100),
    high: Math.round(input.thresholds.high * 100),
    critical: Math.round(input.thresholds.critical * 100)
  }
})

/**
 * `score(type) = Σ_{c ∈ C} Σ_{a ∈ A} weight(c) × multiplier(a)`, C the categories the type
 * declares `included` in params or result (each once) that the profile includes, A the actions
 * it declares `allowed` that the profile includes; in hundredths.
 */
export const referenceScore = (risk: DataRisk.DataRisk, rules: ReferenceRules): number => {
  let total = 0
  for (const category of DataRisk.categories) {
    if (risk.params_data_categories[category] !== "included" && risk.result_data_categories[category] !== "included") continue
    const weight = rules.weights.get(category)
    if (weight === undefined || !weight.included) continue
    for (const action of DataRisk.actions) {
      if (risk.action_profile[action] !== "allowed") continue
      const multiplier = rules.multipliers.get(action) ?? { hundredths: 100, included: true }
      if (multiplier.included) total += weight.weight * multiplier.hundredths
    }
  }
  return total
}

export const referenceLevel = (total: number, thresholds: ReferenceRules["thresholds"]): Level =>
  total >= thresholds.critical ? "critical" : total >= thresholds.high ? "high" : total >= thresholds.medium ? "medium" : "low"

export const higherLevel = (a: Level, b: Level): Level => (levelRank[a] >= levelRank[b] ? a : b)

// ---------------------------------------------------------------------------------------------
// Conformance through an independent Ajv
// ---------------------------------------------------------------------------------------------

export type CheckOutcome = "conforms" | "mismatch" | "invalid_definition"

const ajv = new Ajv({ allErrors: true, strict: false })
const validators = new Map<string, ValidateFunction | null>()

const validatorFor = (schema: unknown): ValidateFunction | null => {
  const key = canonical(schema)
  const cached = validators.get(key)
  if (cached !== undefined) return cached
  let validate: ValidateFunction | null
  try {
    validate = typeof schema === "boolean" || (typeof schema === "object" && schema !== null && !Array.isArray(schema))
      ? ajv.compile(schema)
      : null
  } catch {
    validate = null
  }
  validators.set(key, validate)
  return validate
}

/** What a plain Ajv says about a value against a (simple) JSON Schema. */
export const ajvCheck = (schema: unknown, value: unknown): CheckOutcome => {
  const validate = validatorFor(schema)
  if (validate === null) return "invalid_definition"
  return validate(value) === true ? "conforms" : "mismatch"
}

export type ConformanceStatus = "conforms" | "mismatch" | "undeclared_type" | "invalid_definition" | "not_applicable"

/** The declared span types of a run's schema: params and result schema by type name. */
export type DeclaredTypes = ReadonlyMap<string, { readonly params: unknown; readonly result: unknown }>

/**
 * The conformance a span must carry: its payload against its type's params schema; its result
 * against the result schema when it has one and finished `complete`.
 */
export const referenceConformance = (
  declared: DeclaredTypes,
  schemaName: string,
  payload: unknown,
  result: unknown,
  status: string
): { readonly payload: ConformanceStatus; readonly result: ConformanceStatus } => {
  const checkResult = result !== null && result !== undefined && status === "complete"
  const type = declared.get(schemaName)
  if (type === undefined) return { payload: "undeclared_type", result: checkResult ? "undeclared_type" : "not_applicable" }
  return { payload: ajvCheck(type.params, payload), result: checkResult ? ajvCheck(type.result, result) : "not_applicable" }
}

const flaggedStatuses: ReadonlySet<string> = new Set(["mismatch", "undeclared_type", "invalid_definition"])

export const referenceFlagged = (conformance: { readonly payload: string; readonly result: string }): boolean =>
  flaggedStatuses.has(conformance.payload) || flaggedStatuses.has(conformance.result)

// ---------------------------------------------------------------------------------------------
// Timeline order
// ---------------------------------------------------------------------------------------------

export interface TimelineSpan {
  readonly id: string
  readonly parent: string | null
  readonly startedAt: number
  /** Creation order within the run. */
  readonly order: number
}

/**
 * The order a timeline lists a run's spans in: depth first over the tree, siblings (and roots)
 * by `started_at`, then by creation order. A span whose parent is not in the run is a root.
 */
export const referenceTimeline = (spans: ReadonlyArray<TimelineSpan>): ReadonlyArray<{ readonly id: string; readonly depth: number }> => {
  const ids = new Set(spans.map((span) => span.id))
  const children = new Map<string, Array<TimelineSpan>>()
  const roots: Array<TimelineSpan> = []
  for (const span of spans) {
    if (span.parent !== null && ids.has(span.parent) && span.parent !== span.id) {
      const list = children.get(span.parent) ?? []
      list.push(span)
      children.set(span.parent, list)
    } else {
      roots.push(span)
    }
  }
  const byTime = (a: TimelineSpan, b: TimelineSpan) => a.startedAt - b.startedAt || a.order - b.order
  const out: Array<{ id: string; depth: number }> = []
  const visit = (span: TimelineSpan, depth: number, seen: Set<string>) => {
    if (seen.has(span.id)) return
    seen.add(span.id)
    out.push({ id: span.id, depth })
    for (const child of [...(children.get(span.id) ?? [])].sort(byTime)) visit(child, depth + 1, seen)
  }
  const seen = new Set<string>()
  for (const root of [...roots].sort(byTime)) visit(root, 0, seen)
  return out
}
