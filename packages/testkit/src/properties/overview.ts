/**
 * The overview equals plain counts over every run: for any window, each agent's runs by status,
 * by risk level (`none` without a profile) and flagged, the totals, and the newest runs needing
 * attention (flagged, or high or critical) — for an account token over every agent, for a
 * deployment token over its own agent alone.
 */
import { type Agent, type Instance, type LedgerSession, Status } from "@agentledger/domain"
import { expect, it } from "@effect/vitest"
import { DateTime, Effect, FastCheck as fc } from "effect"
import { docsRiskProfile, secretOf } from "../examples/helpers.js"
import { everything, tenant } from "../harness.js"
import type { PropertyContext } from "./context.js"
import { bound, boundTime, makeRun, placed, runSpec } from "./runFilters.js"

const levels = ["low", "medium", "high", "critical", "none"] as const

/** The counts of some runs, plainly. */
const counted = (runs: ReadonlyArray<Instance.Instance>) => ({
  runs_by_status: Object.fromEntries(Status.statuses.map((status) => [status, runs.filter((r) => r.status === status).length])),
  runs_by_risk_level: Object.fromEntries(levels.map((level) => [level, runs.filter((r) => (r.risk?.level ?? "none") === level).length])),
  flagged_runs: runs.filter((r) => r.conformance_counts.flagged > 0).length
})

/** The overview these agents and runs make since `since`, plainly. */
const expected = (agents: ReadonlyArray<Agent.Agent>, runs: ReadonlyArray<Instance.Instance>, since: number) => {
  const inWindow = runs.filter((r) => placed(r) >= since)
  const attention = inWindow
    .filter((r) => r.conformance_counts.flagged > 0 || r.risk?.level === "high" || r.risk?.level === "critical")
    .sort((a, b) => placed(b) - placed(a) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
  return {
    agents: [...agents]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1))
      .map((agent) => ({ agent_id: agent.id, name: agent.name, status: agent.status, ...counted(inWindow.filter((r) => r.agent_id === agent.id)) })),
    ...counted(inWindow),
    recent_attention: attention.slice(0, 10).map((r) => r.id)
  }
}

const seen = (session: LedgerSession, since: DateTime.Utc | undefined) =>
  Effect.map(session.getOverview(since === undefined ? {} : { since }), (overview) => ({
    since: DateTime.toEpochMillis(overview.since),
    shown: { ...overview, since: undefined, recent_attention: overview.recent_attention.map((r) => r.id) }
  }))

export const overviewProperties = <E>({ fresh, runs: n, timeout }: PropertyContext<E>): void => {
  it.live.prop(
    "the overview of any window equals plain counts over every run, for an account token and for a deployment token",
    { specs: fc.array(runSpec, { minLength: 1, maxLength: 13 }), sinces: fc.array(bound, { minLength: 1, maxLength: 3 }) },
    ({ sinces, specs }) =>
      fresh(Effect.gen(function*() {
        const t = yield* tenant()
        const profile = yield* t.session.createRiskProfile(docsRiskProfile)
        const scored = yield* t.session.createAgent({ name: "Scored", risk_profile_id: profile.profile.id })
        const unscored = yield* t.session.createAgent({ name: "Unscored" })
        yield* t.session.createAgent({ name: "Idle" })
        const now = Date.now()
        for (const spec of specs) yield* makeRun(t.session, spec.scored ? scored.id : unscored.id, t.production.id, spec, now)
        const runs = (yield* t.session.listInstances(everything)).items
        const agents = (yield* t.session.listAgents(everything)).items
        const deployment = yield* t.session.createDeployment({ agent_id: scored.id, environment_id: t.staging.id })
        const token = yield* t.session.createToken({ token_scope: "agent_deployment", agent_deployment_id: deployment.deployment.id })
        const scoped = yield* t.ledger.authenticate(secretOf(token))
        for (const b of sinces) {
          const since = boundTime(b, runs, now)
          const label = JSON.stringify({ since: b, runs: runs.map((r) => [r.agent_id, r.status, r.risk, r.conformance_counts, placed(r)]) })
          const account = yield* seen(t.session, since)
          const start = since === undefined ? account.since : DateTime.toEpochMillis(since)
          if (since === undefined) expect(Math.abs(account.since - (now - 86_400_000)), label).toBeLessThan(60_000)
          expect(account.shown, label).toEqual({ since: undefined, ...expected(agents, runs, start) })
          const own = yield* seen(scoped, since)
          expect(own.shown, label).toEqual({
            since: undefined,
            ...expected(agents.filter((a) => a.id === scored.id), runs.filter((r) => r.agent_id === scored.id), since === undefined ? own.since : start)
          })
        }
      })),
    { timeout, fastCheck: { numRuns: n(15) } }
  )
}
