/**
 * Invariant 7: risk totals equal the reference calculation and the breakdown; adding a span never
 * lowers the total or the peak; version risk and agreed-risk violations as the reference says.
 */
import { type ActivitySchema, DataRisk, type RiskProfile } from "@agentledger/domain"
import { expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import * as Arbitraries from "../arbitraries/index.js"
import { runOf, tenant } from "../harness.js"
import { levelRank, referenceLevel, referenceRules, referenceScore } from "../reference.js"
import type { PropertyContext } from "./context.js"

/** The agreed-risk violations the reference expects of `types` under `rules`, sorted. */
const referenceViolations = (
  types: ReadonlyArray<{ readonly name: string; readonly risk: DataRisk.DataRisk }>,
  rules: RiskProfile.RiskRulesInput
): ReadonlyArray<string> => {
  const out: Array<string> = []
  for (const { name, risk } of types) {
    for (const action of DataRisk.actions) {
      const rule = rules.action_multipliers[action]
      if (risk.action_profile[action] === "allowed" && rule !== undefined && !rule.included) out.push(`${name}/action/${action}`)
    }
    for (const category of DataRisk.categories) {
      const rule = rules.category_weights[category]
      if (rule !== undefined && rule.included) continue
      if (risk.params_data_categories[category] === "included") out.push(`${name}/params_category/${category}`)
      if (risk.result_data_categories[category] === "included") out.push(`${name}/result_category/${category}`)
    }
  }
  return out.sort()
}

export const riskProperties = <E>({ fresh, runs: n, timeout }: PropertyContext<E>): void => {
  it.live.prop(
    "totals equal the reference calculation and the breakdown; adding a span never lowers total or peak; level is monotone in total",
    {
      rules: Arbitraries.riskRulesInput,
      risks: fc.array(Arbitraries.dataRisk, { minLength: 1, maxLength: 4 }),
      spans: fc.array(
        fc.record({
          type: fc.nat(),
          status: fc.constantFrom("active" as const, "complete" as const, "failed" as const, "cancelled" as const, "terminated" as const),
          cancelLater: fc.boolean()
        }),
        { maxLength: 14 }
      )
    },
    ({ risks, rules, spans }) =>
      fresh(Effect.gen(function*() {
        const t = yield* tenant()
        const profile = yield* t.session.createRiskProfile({ name: "P", ...rules })
        const reference = referenceRules(rules)
        const agent = yield* t.session.createAgent({ name: "Bot", risk_profile_id: profile.profile.id })
        const types = risks.map((risk, index) => ({ name: `type-${index}`, risk }))
        const schema: ActivitySchema.ActivitySchemaInput = {
          span_type_schemas: types.map((type) => ({ name: type.name, data_risk: type.risk }))
        }
        const run = yield* runOf(t.session, agent.id, t.production.id, "1.0.0", { schema })
        const versionRisk = yield* t.session.getVersionRisk(run.agent_version_id)
        const scores = types.map((type) => referenceScore(type.risk, reference))
        const theoretical = scores.reduce((a, b) => a + b, 0)
        expect(versionRisk?.theoretical.total).toBe(theoretical)
        expect(versionRisk?.theoretical.level).toBe(referenceLevel(theoretical, reference.thresholds))
        expect([...(versionRisk?.violations ?? [])].map((v) => `${v.schema_name}/${v.kind}/${v.key}`).sort()).toEqual(referenceViolations(types, rules))

        let total = 0
        let peak = 0
        const observed: Array<{ total: number; level: number }> = []
        const open: Array<{ id: Parameters<typeof t.session.finishSpan>[0]; points: number }> = []
        for (const s of spans) {
          const index = s.type % types.length
          const type = types[index]
          if (type === undefined) continue
          const recorded = yield* t.session.recordSpan({ agent_instance_id: run.id, schema_name: type.name, status: s.status, payload: {} })
          const points = s.status === "cancelled" ? 0 : scores[index] ?? 0
          expect(recorded.risk_points).toBe(points)
          const risk = (yield* t.session.getInstance(run.id)).risk
          if (risk === null) return expect.fail("a scored run lost its risk")
          expect(risk.total, "adding a span never lowers the total").toBeGreaterThanOrEqual(total)
          expect(levelRank[risk.peak_level], "adding a span never lowers the peak").toBeGreaterThanOrEqual(peak)
          total += points
          peak = Math.max(peak, levelRank[referenceLevel(total, reference.thresholds)])
          expect(risk).toEqual({ total, level: referenceLevel(total, reference.thresholds), peak_level: ["low", "medium", "high", "critical"][peak] })
          observed.push({ total: risk.total, level: levelRank[risk.level] })
          if (s.status === "active" && s.cancelLater) open.push({ id: recorded.id, points })
        }
        for (const span of open) {
          yield* t.session.finishSpan(span.id, { status: "cancelled" })
          total -= span.points
          const risk = (yield* t.session.getInstance(run.id)).risk
          expect(risk).toEqual({ total, level: referenceLevel(total, reference.thresholds), peak_level: ["low", "medium", "high", "critical"][peak] })
          if (risk !== null) observed.push({ total: risk.total, level: levelRank[risk.level] })
        }
        // The level is monotone in the total.
        for (const a of observed) for (const b of observed) if (a.total <= b.total) expect(a.level).toBeLessThanOrEqual(b.level)
        const report = yield* t.session.getRiskReport(run.id)
        expect(report?.total).toBe(total)
        expect(report?.breakdown.reduce((sum, entry) => sum + entry.points, 0)).toBe(total)
      })),
    { timeout, fastCheck: { numRuns: n(30) } }
  )
}
