/**
 * Risk scoring, exactly as docs/domain.md states it:
 *
 *   score(type)      = Σ_{c ∈ C} Σ_{a ∈ A} weight(c) × multiplier(a)
 *                      C: categories the type declares `included` in params ∪ result (each once)
 *                         that the profile includes; A: actions declared `allowed` that the
 *                         profile includes; `unknown` counts as not declared
 *   total(instance)  = Σ over the instance's spans, except `cancelled` ones, of score(type)
 *   level            = low < medium ≤ … < high ≤ … < critical ≤
 *
 * All amounts are integer hundredths. The double sum factorizes into
 * (Σ weights) × (Σ multipliers), which is what `spanTypeScore` computes.
 */
import { Schema } from "effect"
import type { ActivitySchema } from "./ActivitySchema.js"
import { actions, allowedActions, categories, type DataRisk, includedCategories } from "./DataRisk.js"
import { multiplierOf, type RiskRules, type Thresholds, weightOf } from "./RiskProfile.js"

export const riskLevels = ["low", "medium", "high", "critical"] as const
export const RiskLevel = Schema.Literal(...riskLevels)
export type RiskLevel = typeof RiskLevel.Type

const rank = (level: RiskLevel): number =>
  level === "low" ? 0 : level === "medium" ? 1 : level === "high" ? 2 : 3

/** The higher of two levels. */
export const maxLevel = (a: RiskLevel, b: RiskLevel): RiskLevel => (a === b || rank(a) >= rank(b) ? a : b)

/** Compares levels: negative, zero or positive like a sort comparator. */
export const compareLevels = (a: RiskLevel, b: RiskLevel): number => rank(a) - rank(b)

/** The band a total falls in. */
export const levelOf = (total: number, thresholds: Thresholds): RiskLevel =>
  total >= thresholds.critical ? "critical" : total >= thresholds.high ? "high" : total >= thresholds.medium ? "medium" : "low"

/** The points one span of a type adds, in hundredths. */
export const spanTypeScore = (risk: DataRisk, rules: RiskRules): number => {
  let weights = 0
  for (const category of includedCategories(risk)) {
    const rule = weightOf(rules, category)
    if (rule.included) weights += rule.weight
  }
  let multipliers = 0
  for (const action of allowedActions(risk)) {
    const rule = multiplierOf(rules, action)
    if (rule.included) multipliers += rule.multiplier
  }
  return weights * multipliers
}

/** Points per span type of a schema version under a profile revision, computed once. */
export type ScoringTable = ReadonlyMap<string, number>

export const scoringTable = (schema: ActivitySchema, rules: RiskRules): ScoringTable => {
  const table = new Map<string, number>()
  for (const [name, definition] of Object.entries(schema.span_type_schemas)) {
    table.set(name, spanTypeScore(definition.data_risk, rules))
  }
  return table
}

/** An undeclared span type declares nothing, so it scores nothing. */
export const pointsFor = (table: ScoringTable, schemaName: string): number => table.get(schemaName) ?? 0

/** The running risk of an instance scored under a profile. */
export const InstanceRisk = Schema.Struct({
  total: Schema.Int,
  level: RiskLevel,
  peak_level: RiskLevel
}).annotations({ identifier: "InstanceRisk" })
export type InstanceRisk = typeof InstanceRisk.Type

export const initialRisk: InstanceRisk = { total: 0, level: "low", peak_level: "low" }

/** Adds a span's points: O(1), no rescan. Never lowers the total or the peak. */
export const addPoints = (risk: InstanceRisk, points: number, thresholds: Thresholds): InstanceRisk => {
  if (points === 0) return risk
  const total = risk.total + points
  const level = levelOf(total, thresholds)
  return { total, level, peak_level: level === risk.peak_level ? level : maxLevel(risk.peak_level, level) }
}

/**
 * Takes back a span's points when it ends `cancelled` (cancelled spans do not count). The peak
 * stays: it is the highest level the run ever reached.
 */
export const removePoints = (risk: InstanceRisk, points: number, thresholds: Thresholds): InstanceRisk => {
  if (points === 0) return risk
  const total = risk.total - points
  return { total, level: levelOf(total, thresholds), peak_level: risk.peak_level }
}

/** Whether a span in this status counts toward its instance's total. */
export const counts = (status: string): boolean => status !== "cancelled"

export const BreakdownEntry = Schema.Struct({
  schema_name: Schema.String,
  span_count: Schema.Int,
  /** The entry's share of the counted spans, 0–1. */
  share: Schema.Number,
  points: Schema.Int
}).annotations({ identifier: "BreakdownEntry" })
export type BreakdownEntry = typeof BreakdownEntry.Type

/**
 * The per-type explanation of an instance's total: the points of its entries sum to the total
 * recorded incrementally. Sorted by points, then name.
 */
export const breakdown = (
  spans: Iterable<{ readonly schema_name: string; readonly status: string; readonly risk_points: number }>
): ReadonlyArray<BreakdownEntry> => {
  const tallies: Array<SpanTally> = []
  for (const span of spans) tallies.push({ schema_name: span.schema_name, status: span.status, span_count: 1, points: span.risk_points })
  return breakdownOf(tallies)
}

/** Spans of one type and status of a run, and their points: what a store sums without reading payloads. */
export interface SpanTally {
  readonly schema_name: string
  readonly status: string
  readonly span_count: number
  readonly points: number
}

/** `breakdown` from tallies by (type, status), so a store need not load the spans. */
export const breakdownOf = (tallies: Iterable<SpanTally>): ReadonlyArray<BreakdownEntry> => {
  const byType = new Map<string, { count: number; points: number }>()
  let counted = 0
  for (const tally of tallies) {
    if (!counts(tally.status) || tally.span_count === 0) continue
    counted += tally.span_count
    const entry = byType.get(tally.schema_name) ?? { count: 0, points: 0 }
    entry.count += tally.span_count
    entry.points += tally.points
    byType.set(tally.schema_name, entry)
  }
  return [...byType.entries()]
    .map(([schema_name, { count, points }]) => ({ schema_name, span_count: count, share: count / counted, points }))
    .sort((a, b) => b.points - a.points || (a.schema_name < b.schema_name ? -1 : a.schema_name > b.schema_name ? 1 : 0))
}

export const TheoreticalRisk = Schema.Struct({
  total: Schema.Int,
  level: RiskLevel,
  span_types: Schema.Array(Schema.Struct({ schema_name: Schema.String, points: Schema.Int }))
}).annotations({ identifier: "TheoreticalRisk" })
export type TheoreticalRisk = typeof TheoreticalRisk.Type

/** The risk a schema version declares before any run: each span type counted once. */
export const theoreticalRisk = (schema: ActivitySchema, rules: RiskRules): TheoreticalRisk => {
  const table = scoringTable(schema, rules)
  let total = 0
  const span_types: Array<{ schema_name: string; points: number }> = []
  for (const [schema_name, points] of table) {
    total += points
    span_types.push({ schema_name, points })
  }
  return { total, level: levelOf(total, rules.thresholds), span_types }
}

export const Violation = Schema.Struct({
  schema_name: Schema.String,
  kind: Schema.Literal("action", "params_category", "result_category"),
  key: Schema.String
}).annotations({ identifier: "Violation" })
export type Violation = typeof Violation.Type

/**
 * Agreed-risk violations: what a schema version declares that its profile does not agree to —
 * an action declared `allowed` that the profile excludes, a category declared `included` (in
 * params or result) that the profile excludes. `unknown` declarations are not violations.
 */
export const agreedRiskViolations = (schema: ActivitySchema, rules: RiskRules): ReadonlyArray<Violation> => {
  const out: Array<Violation> = []
  for (const [schema_name, definition] of Object.entries(schema.span_type_schemas)) {
    const risk = definition.data_risk
    for (const action of actions) {
      if (risk.action_profile[action] === "allowed" && !multiplierOf(rules, action).included) {
        out.push({ schema_name, kind: "action", key: action })
      }
    }
    for (const category of categories) {
      if (weightOf(rules, category).included) continue
      if (risk.params_data_categories[category] === "included") out.push({ schema_name, kind: "params_category", key: category })
      if (risk.result_data_categories[category] === "included") out.push({ schema_name, kind: "result_category", key: category })
    }
  }
  return out
}

