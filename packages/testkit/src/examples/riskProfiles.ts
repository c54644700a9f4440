/**
 * Risk profiles and scoring: revisions, deletion, the docs' worked examples, levels and peaks,
 * version risk, unscored runs.
 */
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { refused, runOf, tenant } from "../harness.js"
import { canonical } from "../reference.js"
import { agentWithRun, docsRiskProfile, type ExampleTest, span } from "./helpers.js"

export const riskProfileExamples = (test: ExampleTest): void => {
  test("an edit creates a new revision; a run keeps the revision it registered with", Effect.gen(function*() {
    const t = yield* tenant()
    const created = yield* t.session.createRiskProfile({ ...docsRiskProfile, description: "v1" })
    expect(created.profile).toMatchObject({ name: "Customer data", description: "v1", revision: 1, deleted_at: null })
    expect(created.revision.rules.thresholds).toEqual({ medium: 2000, high: 5000, critical: 10000 })
    const agent = yield* t.session.createAgent({ name: "Bot", risk_profile_id: created.profile.id })
    const before = yield* runOf(t.session, agent.id, t.production.id)
    expect(before.risk_profile_revision_id).toBe(created.revision.id)
    const edited = yield* t.session.updateRiskProfile(created.profile.id, {
      ...docsRiskProfile,
      category_weights: { personal_identifiers: { weight: 2, included: true } }
    })
    expect(edited.profile).toMatchObject({ revision: 2, current_revision_id: edited.revision.id, description: "v1" })
    expect(edited.revision.id).not.toBe(created.revision.id)
    const after = yield* runOf(t.session, agent.id, t.production.id)
    expect(after.risk_profile_revision_id).toBe(edited.revision.id)
    const lookup = { status: "complete", payload: { customer_id: "c" }, result_payload: { email: "e" } } as const
    expect((yield* t.session.recordSpan(span(before, "crm:lookup", lookup))).risk_points).toBe(1200)
    expect((yield* t.session.recordSpan(span(after, "crm:lookup", lookup))).risk_points).toBe(200)
    const revisions = yield* t.session.listRiskProfileRevisions(created.profile.id)
    expect(revisions.map((r) => [r.id, r.revision])).toEqual([[created.revision.id, 1], [edited.revision.id, 2]])
    expect(canonical(revisions[0])).toBe(canonical(created.revision))
    yield* refused(t.session.createRiskProfile({ ...docsRiskProfile, thresholds: { medium: 50, high: 20, critical: 100 } }), "InvalidInput")
    yield* refused(t.session.createRiskProfile({ ...docsRiskProfile, category_weights: { personal_identifiers: { weight: 11, included: true } } }), "InvalidInput")
    yield* refused(t.session.createRiskProfile({ ...docsRiskProfile, action_multipliers: { read_data: { multiplier: 1.005, included: true } } }), "InvalidInput")
    yield* refused(t.session.createRiskProfile({ ...docsRiskProfile, category_weights: { not_a_category: { weight: 1, included: true } } }), "InvalidInput")
  }))

  test("deleting a profile keeps its history; new runs are not scored; a deleted profile takes no edits", Effect.gen(function*() {
    const t = yield* tenant()
    const created = yield* t.session.createRiskProfile(docsRiskProfile)
    const agent = yield* t.session.createAgent({ name: "Bot", risk_profile_id: created.profile.id })
    const scored = yield* runOf(t.session, agent.id, t.production.id)
    yield* t.session.recordSpan(span(scored, "crm:lookup", { payload: { customer_id: "c" } }))
    const deleted = yield* t.session.deleteRiskProfile(created.profile.id)
    expect(deleted.profile.deleted_at).not.toBeNull()
    yield* refused(t.session.deleteRiskProfile(created.profile.id), "InvalidAction")
    yield* refused(t.session.updateRiskProfile(created.profile.id, docsRiskProfile), "InvalidAction")
    expect((yield* t.session.getRiskProfile(created.profile.id)).revision.id).toBe(created.revision.id)
    expect((yield* t.session.listRiskProfileRevisions(created.profile.id)).map((r) => r.id)).toEqual([created.revision.id])
    const unscored = yield* runOf(t.session, agent.id, t.production.id)
    expect(unscored.risk_profile_revision_id).toBeNull()
    expect(unscored.risk).toBeNull()
    expect(yield* t.session.getRiskReport(unscored.id)).toBeNull()
    const report = yield* t.session.getRiskReport(scored.id)
    expect(report?.total).toBe(1200)
    expect(report?.profile_revision_id).toBe(created.revision.id)
  }))

  test("the docs' examples: weights 8 and 4 with read × 1.0 score 12; three spans at 12 and one at 5 total 41", Effect.gen(function*() {
    const t = yield* tenant()
    const { run } = yield* agentWithRun(t, { profile: true })
    const lookup = { status: "complete", payload: { customer_id: "c" }, result_payload: { email: "e" } } as const
    for (let i = 0; i < 3; i++) expect((yield* t.session.recordSpan(span(run, "crm:lookup", lookup))).risk_points).toBe(1200)
    expect((yield* t.session.recordSpan(span(run, "payments:charge", { status: "complete", payload: { amount: 5 } }))).risk_points).toBe(500)
    const report = yield* t.session.getRiskReport(run.id)
    expect(report).toMatchObject({ total: 4100, level: "medium", peak_level: "medium", thresholds: { medium: 2000, high: 5000, critical: 10000 } })
    expect(report?.breakdown).toEqual([
      { schema_name: "crm:lookup", span_count: 3, share: 0.75, points: 3600 },
      { schema_name: "payments:charge", span_count: 1, share: 0.25, points: 500 }
    ])
    expect((yield* t.session.getInstance(run.id)).risk).toEqual({ total: 4100, level: "medium", peak_level: "medium" })
  }))

  test("the level follows the total; the peak is the highest level reached, also after a span is cancelled", Effect.gen(function*() {
    const t = yield* tenant()
    const { run } = yield* agentWithRun(t, { profile: true })
    const lookup = { status: "active", payload: { customer_id: "c" } } as const
    const seen: Array<[number, string, string]> = []
    const spans = []
    for (let i = 0; i < 5; i++) {
      spans.push(yield* t.session.recordSpan(span(run, "crm:lookup", lookup)))
      const risk = (yield* t.session.getInstance(run.id)).risk
      if (risk !== null) seen.push([risk.total, risk.level, risk.peak_level])
    }
    expect(seen).toEqual([
      [1200, "low", "low"],
      [2400, "medium", "medium"],
      [3600, "medium", "medium"],
      [4800, "medium", "medium"],
      [6000, "high", "high"]
    ])
    const first = spans[0]
    if (first === undefined) return
    const cancelled = yield* t.session.finishSpan(first.id, { status: "cancelled" })
    expect(cancelled.risk_points).toBe(0)
    expect((yield* t.session.getInstance(run.id)).risk).toEqual({ total: 4800, level: "medium", peak_level: "high" })
    const report = yield* t.session.getRiskReport(run.id)
    expect(report?.breakdown).toEqual([{ schema_name: "crm:lookup", span_count: 4, share: 1, points: 4800 }])
    // A span recorded cancelled adds nothing.
    expect((yield* t.session.recordSpan(span(run, "crm:lookup", { ...lookup, status: "cancelled" }))).risk_points).toBe(0)
    for (let i = 0; i < 5; i++) yield* t.session.recordSpan(span(run, "crm:lookup", lookup))
    expect((yield* t.session.getInstance(run.id)).risk).toEqual({ total: 10800, level: "critical", peak_level: "critical" })
  }))

  test("version risk: theoretical risk of each type once, and agreed-risk violations", Effect.gen(function*() {
    const t = yield* tenant()
    const { agent, run } = yield* agentWithRun(t, { profile: true })
    const risk = yield* t.session.getVersionRisk(run.agent_version_id)
    expect(risk?.theoretical).toMatchObject({ total: 1700, level: "low" })
    expect(Object.fromEntries(risk?.theoretical.span_types.map((s) => [s.schema_name, s.points]) ?? [])).toEqual({
      agent: 0,
      "crm:lookup": 1200,
      llm: 0,
      "payments:charge": 500
    })
    expect(risk?.violations).toEqual([])
    const strict = yield* t.session.createRiskProfile({
      name: "Strict",
      category_weights: { personal_identifiers: { weight: 8, included: true }, contact_information: { weight: 4, included: false } },
      action_multipliers: { read_data: { multiplier: 1, included: false } },
      thresholds: { medium: 1, high: 2, critical: 3 }
    })
    yield* t.session.updateAgent(agent.id, { risk_profile_id: strict.profile.id })
    const strictRisk = yield* t.session.getVersionRisk(run.agent_version_id)
    expect(strictRisk?.profile_revision_id).toBe(strict.revision.id)
    expect(strictRisk?.theoretical.total).toBe(0)
    expect([...(strictRisk?.violations ?? [])].map((v) => `${v.schema_name}/${v.kind}/${v.key}`).sort()).toEqual([
      "crm:lookup/action/read_data",
      "crm:lookup/result_category/contact_information",
      "payments:charge/action/read_data",
      "payments:charge/params_category/financial_information"
    ])
    yield* t.session.updateAgent(agent.id, { risk_profile_id: null })
    expect(yield* t.session.getVersionRisk(run.agent_version_id)).toBeNull()
  }))

  test("an agent without a profile: its runs carry no score and no report", Effect.gen(function*() {
    const t = yield* tenant()
    const { run } = yield* agentWithRun(t)
    expect(run.risk).toBeNull()
    const recorded = yield* t.session.recordSpan(span(run, "crm:lookup", { payload: { customer_id: "c" } }))
    expect(recorded.risk_points).toBe(0)
    expect(yield* t.session.getRiskReport(run.id)).toBeNull()
    expect((yield* t.session.getInstance(run.id)).risk).toBeNull()
  }))
}
