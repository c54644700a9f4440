/**
 * Risk (docs/domain.md "Risk", invariant 7): the incremental total equals the breakdown and a reference
 * calculation of the documented formula; adding a span never lowers total or peak; the level is
 * monotone in the total; the documented examples hold.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { DataRisk, Ids, type RiskProfile, Risk, Span, Status } from "@agentledger/domain"
import { dataRisk, runs, runStep, scoringDataRisk, thresholdHundredths, validRulesInput } from "./arbitraries.js"
import {
  at,
  contextOf,
  idOf,
  levelRank,
  makeInstance,
  playRun,
  referenceLevel,
  referenceScore,
  rulesOf,
  schemaOf
} from "./fixtures.js"

const allowed = (...names: ReadonlyArray<DataRisk.Action>): DataRisk.ActionProfile => ({
  ...DataRisk.unknownActions,
  ...Object.fromEntries(names.map((a) => [a, "allowed"]))
})
const included = (...names: ReadonlyArray<DataRisk.Category>): DataRisk.DataCategories => ({
  ...DataRisk.unknownCategories,
  ...Object.fromEntries(names.map((c) => [c, "included"]))
})
const declare = (risk: Partial<DataRisk.DataRisk>): DataRisk.DataRisk => ({ ...DataRisk.unknownDataRisk, ...risk })

// ---------------------------------------------------------------------------------------------
// The documented examples
// ---------------------------------------------------------------------------------------------

/** docs/domain.md: weights 8 and 4, read ×1.0 → 12; thresholds 20 / 50 / 100. */
const docsProfile: RiskProfile.RiskRulesInput = {
  category_weights: {
    personal_identifiers: { weight: 8, included: true },
    contact_information: { weight: 4, included: true },
    financial_information: { weight: 5, included: true }
  },
  action_multipliers: { read_data: { multiplier: 1.0, included: true } },
  thresholds: { medium: 20, high: 50, critical: 100 }
}

const lookup = declare({
  action_profile: allowed("read_data"),
  params_data_categories: included("personal_identifiers"),
  result_data_categories: included("contact_information", "personal_identifiers")
})
const balance = declare({ action_profile: allowed("read_data"), params_data_categories: included("financial_information") })

const docsSchema = schemaOf([
  { name: "lookup_customer", risk: lookup },
  { name: "check_balance", risk: balance },
  { name: "noop" }
])

describe("the documented examples", () => {
  const rules = rulesOf(docsProfile)

  it("weights 8 and 4 with read_data ×1.0 score 12 (1200 hundredths)", () => {
    expect(Risk.spanTypeScore(lookup, rules)).toBe(1200)
    expect(Risk.spanTypeScore(balance, rules)).toBe(500)
    expect(Risk.spanTypeScore(DataRisk.unknownDataRisk, rules)).toBe(0)
  })

  it("three 12-point spans and one 5-point span: 41 (4100), level medium, and a breakdown that explains it", () => {
    const context = contextOf(docsSchema, rules)
    const outcomes = playRun(context, makeInstance(), ["lookup_customer", "check_balance"], [
      { kind: "record", type: 0, status: "complete", parent: null, withResult: false },
      { kind: "record", type: 0, status: "active", parent: null, withResult: false },
      { kind: "record", type: 1, status: "complete", parent: null, withResult: false },
      { kind: "record", type: 0, status: "failed", parent: null, withResult: false }
    ])
    expect(outcomes.map((o) => o.after.instance.risk)).toEqual([
      { total: 1200, level: "low", peak_level: "low" },
      { total: 2400, level: "medium", peak_level: "medium" },
      { total: 2900, level: "medium", peak_level: "medium" },
      { total: 4100, level: "medium", peak_level: "medium" }
    ])
    const spans = outcomes.at(-1)?.after.spans ?? []
    expect(spans.map((s) => s.risk_points)).toEqual([1200, 1200, 500, 1200])
    expect(Risk.breakdown(spans)).toEqual([
      { schema_name: "lookup_customer", span_count: 3, share: 0.75, points: 3600 },
      { schema_name: "check_balance", span_count: 1, share: 0.25, points: 500 }
    ])
    expect(Risk.levelOf(4100, rules.thresholds)).toBe("medium")
  })

  it("a cancelled span leaves the total; the peak stays", () => {
    const context = contextOf(docsSchema, rules)
    const outcomes = playRun(context, makeInstance(), ["lookup_customer"], [
      { kind: "record", type: 0, status: "active", parent: null, withResult: false },
      { kind: "record", type: 0, status: "active", parent: null, withResult: false },
      { kind: "finish", span: 1, status: "cancelled", withResult: false },
      { kind: "record", type: 0, status: "cancelled", parent: null, withResult: false }
    ])
    expect(outcomes.map((o) => o.after.instance.risk)).toEqual([
      { total: 1200, level: "low", peak_level: "low" },
      { total: 2400, level: "medium", peak_level: "medium" },
      { total: 1200, level: "low", peak_level: "medium" },
      { total: 1200, level: "low", peak_level: "medium" }
    ])
    const spans = outcomes.at(-1)?.after.spans ?? []
    expect(spans.map((s) => s.risk_points)).toEqual([1200, 0, 0])
    expect(Risk.breakdown(spans)).toEqual([{ schema_name: "lookup_customer", span_count: 1, share: 1, points: 1200 }])
  })

  it("theoretical risk counts each type once", () => {
    const theoretical = Risk.theoreticalRisk(docsSchema, rules)
    expect(theoretical.total).toBe(1700)
    expect(theoretical.level).toBe("low")
    expect([...theoretical.span_types].sort((a, b) => a.schema_name.localeCompare(b.schema_name))).toEqual([
      { schema_name: "check_balance", points: 500 },
      { schema_name: "lookup_customer", points: 1200 },
      { schema_name: "noop", points: 0 }
    ])
  })

  it("agreed-risk violations: an allowed action or included category that the profile excludes", () => {
    const strict = rulesOf({
      ...docsProfile,
      action_multipliers: { ...docsProfile.action_multipliers, destroy_data: { multiplier: 1, included: false } }
    })
    const schema = schemaOf([
      {
        name: "purge",
        risk: declare({
          action_profile: { ...allowed("destroy_data", "read_data"), update_data: "disallowed" },
          // health_and_medical is not in the profile: excluded; contact_information is unknown here.
          params_data_categories: included("health_and_medical", "personal_identifiers"),
          result_data_categories: { ...included("minors_data"), contact_information: "unknown" }
        })
      },
      { name: "lookup_customer", risk: lookup }
    ])
    const key = (v: Risk.Violation) => `${v.schema_name}/${v.kind}/${v.key}`
    expect(Risk.agreedRiskViolations(schema, strict).map(key).sort()).toEqual([
      "purge/action/destroy_data",
      "purge/params_category/health_and_medical",
      "purge/result_category/minors_data"
    ])
  })

  it("an agent without a profile: its instances carry no score and no level", () => {
    const context = contextOf(docsSchema, null)
    const outcomes = playRun(context, makeInstance({ risk: null }), ["lookup_customer"], [
      { kind: "record", type: 0, status: "complete", parent: null, withResult: false },
      { kind: "record", type: 0, status: "active", parent: null, withResult: false },
      { kind: "finish", span: 1, status: "cancelled", withResult: false }
    ])
    for (const o of outcomes) {
      expect(o.after.instance.risk).toBeNull()
      expect(o.after.instance.risk_profile_revision_id).toBeNull()
    }
    expect(outcomes.at(-1)?.after.spans.map((s) => s.risk_points)).toEqual([0, 0])
  })

  it("an undeclared span type scores nothing", () => {
    const rulesTable = Risk.scoringTable(docsSchema, rules)
    expect(Risk.pointsFor(rulesTable, "lookup_customer")).toBe(1200)
    expect(Risk.pointsFor(rulesTable, "never_declared")).toBe(0)
  })
})

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

const typeNames = ["t0", "t1", "t2", "t3", "ghost"] as const

const riskRun = fc.record({
  input: validRulesInput(),
  risks: fc.array(fc.oneof(scoringDataRisk, dataRisk), { minLength: 4, maxLength: 4 }),
  steps: fc.array(runStep({ instanceSteps: true }), { maxLength: 40 })
})

describe("risk over random runs", () => {
  it.prop(
    "score(type) equals the double sum of docs/domain.md, computed from the client's profile",
    [fc.oneof(scoringDataRisk, dataRisk), validRulesInput()],
    ([risk, input]) => {
      expect(Risk.spanTypeScore(risk, rulesOf(input))).toBe(referenceScore(risk, input))
    },
    { fastCheck: { numRuns: runs(500) } }
  )

  it.prop(
    "the incremental total equals the breakdown's sum and the reference; level and peak follow; adding never lowers",
    [riskRun],
    ([{ input, risks, steps }]) => {
      const rules = rulesOf(input)
      const schema = schemaOf(risks.map((risk, i) => ({ name: `t${i}`, risk })))
      const scoreOf = (name: string) => {
        // "ghost" is not declared: it scores nothing.
        const match = /^t(\d)$/.exec(name)
        const risk = match === null ? undefined : risks[Number(match[1])]
        return risk === undefined ? 0 : referenceScore(risk, input)
      }
      const outcomes = playRun(contextOf(schema, rules), makeInstance(), typeNames, steps)
      let peak: Risk.RiskLevel = "low"
      for (const { after, before, step } of outcomes) {
        const risk = after.instance.risk
        const previous = before.instance.risk
        if (risk === null || previous === null) throw new Error("a profiled run lost its risk")
        const reference = after.spans.reduce((sum, s) => sum + (s.status === "cancelled" ? 0 : scoreOf(s.schema_name)), 0)
        const level = referenceLevel(reference, input.thresholds)
        if (levelRank[level] > levelRank[peak]) peak = level
        expect(risk.total).toBe(reference)
        expect(Risk.breakdown(after.spans).reduce((sum, e) => sum + e.points, 0)).toBe(risk.total)
        expect(risk.level).toBe(level)
        expect(risk.peak_level).toBe(peak)
        expect(levelRank[risk.peak_level]).toBeGreaterThanOrEqual(levelRank[previous.peak_level])
        if (step.kind === "record") expect(risk.total).toBeGreaterThanOrEqual(previous.total)
        for (const s of after.spans) expect(s.risk_points).toBe(s.status === "cancelled" ? 0 : scoreOf(s.schema_name))
      }
    },
    { fastCheck: { numRuns: runs(150) } }
  )

  it.prop(
    "the breakdown: one entry per counted type, counts and shares of the counted spans, sorted by points",
    [riskRun],
    ([{ input, risks, steps }]) => {
      const schema = schemaOf(risks.map((risk, i) => ({ name: `t${i}`, risk })))
      const spans = playRun(contextOf(schema, rulesOf(input)), makeInstance(), typeNames, steps).at(-1)?.after.spans ?? []
      const entries = Risk.breakdown(spans)
      const counted = spans.filter((s) => s.status !== "cancelled")
      expect(entries.map((e) => e.schema_name).sort()).toEqual([...new Set(counted.map((s) => s.schema_name))].sort())
      for (const e of entries) {
        const mine = counted.filter((s) => s.schema_name === e.schema_name)
        expect(e.span_count).toBe(mine.length)
        expect(e.share).toBeCloseTo(mine.length / counted.length, 12)
        expect(e.points).toBe(mine.reduce((sum, s) => sum + s.risk_points, 0))
      }
      if (entries.length > 0) expect(entries.reduce((sum, e) => sum + e.share, 0)).toBeCloseTo(1, 9)
      for (let i = 1; i < entries.length; i++) {
        const a = entries[i - 1]
        const b = entries[i]
        if (a !== undefined && b !== undefined) {
          expect(a.points > b.points || (a.points === b.points && a.schema_name < b.schema_name)).toBe(true)
        }
      }
    },
    { fastCheck: { numRuns: runs(100) } }
  )

  it.prop(
    "levelOf is monotone in the total and matches the bands",
    [thresholdHundredths(1_000_000), fc.integer({ min: -10, max: 1_200_000 }), fc.integer({ min: -10, max: 1_200_000 })],
    ([[medium, high, critical], a, b]) => {
      const thresholds = rulesOf({ category_weights: {}, action_multipliers: {}, thresholds: { medium: medium / 100, high: high / 100, critical: critical / 100 } }).thresholds
      const [lo, hi] = a <= b ? [a, b] : [b, a]
      expect(levelRank[Risk.levelOf(lo, thresholds)]).toBeLessThanOrEqual(levelRank[Risk.levelOf(hi, thresholds)])
      expect(Risk.levelOf(a, thresholds)).toBe(referenceLevel(a, { medium: medium / 100, high: high / 100, critical: critical / 100 }))
      // The band edges belong to the upper band.
      expect([medium - 1, medium, high - 1, high, critical - 1, critical].map((t) => Risk.levelOf(t, thresholds)))
        .toEqual(["low", "medium", "medium", "high", "high", "critical"])
    },
    { fastCheck: { numRuns: runs(300) } }
  )

  it.prop(
    "addPoints never lowers the total or the peak; removePoints keeps the peak",
    [thresholdHundredths(10_000), fc.array(fc.nat({ max: 3000 }), { maxLength: 30 })],
    ([[medium, high, critical], points]) => {
      const thresholds = rulesOf({ category_weights: {}, action_multipliers: {}, thresholds: { medium: medium / 100, high: high / 100, critical: critical / 100 } }).thresholds
      let risk = Risk.initialRisk
      for (const p of points) {
        const next = Risk.addPoints(risk, p, thresholds)
        expect(next.total).toBe(risk.total + p)
        expect(levelRank[next.peak_level]).toBeGreaterThanOrEqual(levelRank[risk.peak_level])
        expect(levelRank[next.peak_level]).toBeGreaterThanOrEqual(levelRank[next.level])
        risk = next
      }
      for (const p of points) {
        const next = Risk.removePoints(risk, p, thresholds)
        expect(next.total).toBe(risk.total - p)
        expect(next.peak_level).toBe(risk.peak_level)
        expect(next.level).toBe(Risk.levelOf(next.total, thresholds))
        risk = next
      }
      expect(risk.total).toBe(0)
    },
    { fastCheck: { numRuns: runs(200) } }
  )

  it.prop(
    "theoretical risk is each declared type's reference score once",
    [fc.array(fc.oneof(scoringDataRisk, dataRisk), { maxLength: 5 }), validRulesInput()],
    ([risks, input]) => {
      const schema = schemaOf(risks.map((risk, i) => ({ name: `t${i}`, risk })))
      const theoretical = Risk.theoreticalRisk(schema, rulesOf(input))
      const expected = risks.map((risk, i) => ({ schema_name: `t${i}`, points: referenceScore(risk, input) }))
      expect([...theoretical.span_types].sort((a, b) => a.schema_name.localeCompare(b.schema_name))).toEqual(expected)
      const total = expected.reduce((sum, e) => sum + e.points, 0)
      expect(theoretical.total).toBe(total)
      expect(theoretical.level).toBe(referenceLevel(total, input.thresholds))
    },
    { fastCheck: { numRuns: runs(200) } }
  )

  it.prop(
    "agreed-risk violations are exactly the declared allowed actions and included categories the profile excludes",
    [fc.array(fc.oneof(scoringDataRisk, dataRisk), { maxLength: 4 }), validRulesInput()],
    ([risks, input]) => {
      const schema = schemaOf(risks.map((risk, i) => ({ name: `t${i}`, risk })))
      const excludesAction = (a: string) => Object.entries(input.action_multipliers).some(([k, v]) => k === a && !v.included)
      const includesCategory = (c: string) => Object.entries(input.category_weights).some(([k, v]) => k === c && v.included)
      const expected = risks.flatMap((risk, i) => [
        ...DataRisk.actions.filter((a) => risk.action_profile[a] === "allowed" && excludesAction(a)).map((a) => `t${i}/action/${a}`),
        ...DataRisk.categories.filter((c) => risk.params_data_categories[c] === "included" && !includesCategory(c))
          .map((c) => `t${i}/params_category/${c}`),
        ...DataRisk.categories.filter((c) => risk.result_data_categories[c] === "included" && !includesCategory(c))
          .map((c) => `t${i}/result_category/${c}`)
      ])
      const actual = Risk.agreedRiskViolations(schema, rulesOf(input)).map((v) => `${v.schema_name}/${v.kind}/${v.key}`)
      expect(actual.sort()).toEqual(expected.sort())
    },
    { fastCheck: { numRuns: runs(200) } }
  )

  it.prop(
    "a span on a profiled run adds exactly its type's points (decideSpan)",
    [scoringDataRisk, validRulesInput(), fc.constantFrom(...Status.statuses)],
    ([risk, input, status]) => {
      const rules = rulesOf(input)
      const schema = schemaOf([{ name: "t", risk }])
      const recorded = Span.recordSpan({
        instance: makeInstance(),
        input: { schema_name: "t", status, payload: {} },
        parent: null,
        context: contextOf(schema, rules),
        id: idOf(Ids.SpanId, 77),
        now: at(1)
      })
      const points = status === "cancelled" ? 0 : referenceScore(risk, input)
      expect(Either.map(recorded, (r) => [r.span.risk_points, r.instance.risk?.total])).toEqual(Either.right([points, points]))
    },
    { fastCheck: { numRuns: runs(200) } }
  )
})
