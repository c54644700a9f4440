/**
 * Reads bounded by the page: the usages the session works out for a page of agents or versions
 * (from store aggregates), the paged span outline and the risk report from tallies. Each answer
 * is checked against a reference this file computes from every record, read whole through the
 * ordinary lists, so a store whose aggregate disagrees with its rows fails here.
 */
import { type Agent, type AgentVersion, type Deployment, Ids, type Instance, type Ledger, type SchemaVersion, type Span } from "@agentledger/domain"
import { describe, expect, it } from "@effect/vitest"
import { DateTime, Effect, type Layer } from "effect"
import { everything, refused, runOf, tenant, type Tenant } from "./harness.js"
import { docsProfile } from "./fixtures.js"

type Body = Effect.Effect<void, unknown, Ledger>

const statuses = ["pending", "active", "complete", "failed", "cancelled", "terminated"] as const

/** The reference usage of an agent: its runs by status, counted from every run. */
const referenceAgentUsage = (agent: Agent.Agent, runs: ReadonlyArray<Instance.Instance>, deployments: ReadonlyArray<Deployment.Deployment>) => {
  const mine = runs.filter((run) => run.agent_id === agent.id)
  const counts = Object.fromEntries(statuses.map((status) => [status, mine.filter((run) => run.status === status).length]))
  const finished = mine.filter((run) => ["complete", "failed", "cancelled", "terminated"].includes(run.status)).length
  const used = mine.length > 0 || deployments.some((d) => d.agent_id === agent.id)
  return {
    available_actions: {
      update: agent.status !== "retired",
      retire: agent.status !== "retired",
      reinstate: agent.status === "retired",
      delete: !used
    },
    instance_counts: { total: mine.length, ...counts, finished }
  }
}

/** The reference refs: every deployment of the account whose current version passes `on`, newest id first. */
const referenceRefs = (deployments: ReadonlyArray<Deployment.Deployment>, on: (version: string) => boolean) =>
  deployments
    .filter((d) => d.current_version_id !== null && on(d.current_version_id))
    .sort((a, b) => (a.id < b.id ? 1 : -1))
    .map((d) => ({ agent_deployment_id: d.id, environment_id: d.environment_id }))

const repeats = (record: { readonly external_identifier: string | null }, all: ReadonlyArray<{ readonly external_identifier: string | null }>) =>
  all.filter((other) => other.external_identifier === record.external_identifier).length

/** Two agents; one with three versions (two share an identifier) over two schema versions, deployed in two environments, with runs in several statuses. */
const world = (t: Tenant) =>
  Effect.gen(function*() {
    const busy = yield* t.session.createAgent({ name: "Busy" })
    const idle = yield* t.session.createAgent({ name: "Idle" })
    const schemaB = { external_identifier: "support-2", span_schemas: { llm: { type: "object" } } }
    const first = yield* runOf(t.session, busy.id, t.production.id, "1.0.0")
    const second = yield* runOf(t.session, busy.id, t.staging.id, "1.0.0", { schema: schemaB })
    const third = yield* runOf(t.session, busy.id, t.development.id, "2.0.0", { schema: schemaB, update_current_version: false })
    yield* t.session.startRun(first.id, {})
    yield* t.session.finishRun(first.id, { status: "failed" })
    yield* t.session.startRun(second.id, {})
    yield* t.session.terminateRun(third.id, { reason: "stopped" })
    const retired = yield* t.session.createAgent({ name: "Retired" })
    yield* t.session.retireAgent(retired.id)
    return { busy, idle, retired, runs: [first, second, third] }
  })

/** Registers the tests of the page-bounded reads. */
export const readTests = <E>(makeLayer: () => Layer.Layer<Ledger, E>): void => {
  const test = (name: string, body: Body) => it.live(name, () => body.pipe(Effect.provide(makeLayer())))

  describe("reads bounded by the page", () => {
    test("agentUsage of any page equals the usage counted from every run and deployment", Effect.gen(function*() {
      const t = yield* tenant()
      yield* world(t)
      const agents = (yield* t.session.listAgents(everything)).items
      const runs = (yield* t.session.listInstances(everything)).items
      const deployments = (yield* t.session.listDeployments(everything)).items
      expect(agents.length).toBe(3)
      for (const size of [1, 2, 3]) {
        for (let offset = 0; offset < agents.length; offset += size) {
          const page = (yield* t.session.listAgents({ offset, page_size: size })).items
          const usage = yield* t.session.agentUsage(page)
          expect(usage).toEqual(page.map((agent) => referenceAgentUsage(agent, runs, deployments)))
        }
      }
      expect(yield* t.session.agentUsage([])).toEqual([])
    }))

    test("versionUsage and schemaVersionUsage of any page equal the refs and repeats computed from every record", Effect.gen(function*() {
      const t = yield* tenant()
      const { busy, idle } = yield* world(t)
      const versions: ReadonlyArray<AgentVersion.AgentVersion> = (yield* t.session.listVersions({ ...everything, agent_id: busy.id })).items
      const schemas: ReadonlyArray<SchemaVersion.SchemaVersion> = (yield* t.session.listSchemaVersions({ ...everything, agent_id: busy.id })).items
      const deployments = (yield* t.session.listDeployments(everything)).items
      expect(versions.length).toBe(3)
      expect(schemas.length).toBe(2)
      const schemaOf = new Map(versions.map((v) => [v.id, v.agent_schema_version_id]))
      for (const size of [1, 2, 3]) {
        for (let offset = 0; offset < versions.length; offset += size) {
          const page = (yield* t.session.listVersions({ offset, page_size: size, agent_id: busy.id })).items
          expect(yield* t.session.versionUsage(page)).toEqual(page.map((version) => ({
            current_agent_deployment_refs: referenceRefs(deployments, (id) => id === version.id),
            external_identifier_repeats: repeats(version, versions)
          })))
          const schemaPage = (yield* t.session.listSchemaVersions({ offset, page_size: size, agent_id: busy.id })).items
          expect(yield* t.session.schemaVersionUsage(schemaPage)).toEqual(schemaPage.map((schema) => ({
            current_agent_deployment_refs: referenceRefs(deployments, (id) => schemaOf.get(Ids.AgentVersionId.make(id, true)) === schema.id),
            external_identifier_repeats: repeats(schema, schemas)
          })))
        }
      }
      // The identifier "1.0.0" names two versions (the schema changed under it).
      expect((yield* t.session.versionUsage(versions)).map((u) => u.external_identifier_repeats).sort()).toEqual([1, 2, 2])
      // A deployment moved off a version leaves it with no refs; the idle agent has none at all.
      const production = deployments.find((d) => d.environment_id === t.production.id)
      if (production === undefined) return expect.fail("the first run deployed to production")
      yield* t.session.updateDeployment(production.id, { current_version_id: null })
      const after = yield* t.session.versionUsage(versions)
      expect(after.flatMap((u) => u.current_agent_deployment_refs).map((r) => r.agent_deployment_id)).not.toContain(production.id)
      expect((yield* t.session.listVersions({ ...everything, agent_id: idle.id })).items).toEqual([])
      expect(yield* t.session.versionUsage([])).toEqual([])
    }))

    test("a deployment token may not read usages", Effect.gen(function*() {
      const t = yield* tenant()
      const { busy } = yield* world(t)
      const deployment = (yield* t.session.listDeployments({ ...everything, agent_id: busy.id })).items[0]
      if (deployment === undefined) return expect.fail("the busy agent has deployments")
      const created = yield* t.session.createToken({ token_scope: "agent_deployment", agent_deployment_id: deployment.id })
      if (created.secret === null) return expect.fail("a new token shows its secret")
      const scoped = yield* t.ledger.authenticate(created.secret)
      yield* refused(scoped.agentUsage([busy]), "NotPermitted")
    }))

    test("span outlines page through the run in creation order without payloads; the span itself keeps them", Effect.gen(function*() {
      const t = yield* tenant()
      const agent = yield* t.session.createAgent({ name: "Bot" })
      const run = yield* runOf(t.session, agent.id, t.production.id)
      const base = Date.UTC(2026, 0, 1)
      const root = yield* t.session.recordSpan({
        agent_instance_id: run.id, schema_name: "agent", status: "active", payload: { big: "x".repeat(2000) },
        started_at: DateTime.unsafeMake(base + 5000)
      })
      for (let i = 0; i < 6; i++) {
        yield* t.session.recordSpan({
          agent_instance_id: run.id, parent_span_id: root.id, schema_name: i % 2 === 0 ? "llm" : "crm:lookup",
          status: "complete", payload: i % 2 === 0 ? { prompt: `p${i}` } : {}, result_payload: { text: `r${i}` },
          started_at: DateTime.unsafeMake(base + (6 - i) * 1000)
        })
      }
      const timeline = yield* t.session.getTimeline(run.id)
      const bySequence = [...timeline.spans.map((s) => s.span)].sort((a, b) => a.sequence - b.sequence)
      const outlined = (span: Span.Span) => ({
        id: span.id, agent_id: span.agent_id, agent_instance_id: span.agent_instance_id, parent_span_id: span.parent_span_id,
        schema_name: span.schema_name, schema_title: span.schema_title, status: span.status, sensitive_encoding: span.sensitive_encoding,
        started_at: span.started_at,
        finished_at: span.finished_at, conformance: { payload: span.conformance.payload, result: span.conformance.result },
        risk_points: span.risk_points, sequence: span.sequence, inserted_at: span.inserted_at, updated_at: span.updated_at
      })
      for (const size of [1, 3, 7, 25]) {
        const pages = []
        for (let offset = 0; offset < 7; offset += size) {
          const page = yield* t.session.listSpanOutlines(run.id, { offset, page_size: size })
          expect(page.pagination.item_count).toBe(7)
          pages.push(...page.items)
        }
        expect(pages).toEqual(bySequence.map(outlined))
        for (const item of pages) expect(Object.keys(item)).not.toContain("payload")
      }
      const byStart = yield* t.session.listSpanOutlines(run.id, { offset: 0, page_size: 25, sorting: "started_at" })
      // Ties (the root and the second child start at the same instant) break by id, as every list does.
      const byStartThenId = (a: Span.Span, b: Span.Span) =>
        DateTime.toEpochMillis(a.started_at) - DateTime.toEpochMillis(b.started_at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
      expect(byStart.items.map((s) => s.id)).toEqual([...bySequence].sort(byStartThenId).map((s) => s.id))
      // The payloads on demand.
      expect((yield* t.session.getSpan(root.id)).payload).toEqual({ big: "x".repeat(2000) })
      yield* refused(t.session.listSpanOutlines(run.id, { offset: 0, page_size: 0 }), "InvalidInput")
      yield* refused(t.session.listSpanOutlines(run.id, { offset: 0, page_size: 10, sorting: "payload" }), "InvalidInput")
      const other = yield* tenant("Other")
      yield* refused(other.session.listSpanOutlines(run.id, { offset: 0, page_size: 10 }), "NotFound")
    }))

    test("the risk report's breakdown equals one counted from every span of the run", Effect.gen(function*() {
      const t = yield* tenant()
      const profile = yield* t.session.createRiskProfile(docsProfile)
      const agent = yield* t.session.createAgent({ name: "Bot", risk_profile_id: profile.profile.id })
      const run = yield* runOf(t.session, agent.id, t.production.id)
      const kinds = ["crm:lookup", "payments:charge", "llm", "crm:lookup", "undeclared", "payments:charge"] as const
      const statusesOf = ["complete", "cancelled", "active", "failed", "complete", "complete"] as const
      for (let i = 0; i < kinds.length; i++) {
        yield* t.session.recordSpan({ agent_instance_id: run.id, schema_name: kinds[i] ?? "llm", status: statusesOf[i] ?? "complete", payload: { customer_id: "c", amount: 1, prompt: "p" } })
      }
      const spans = (yield* t.session.getTimeline(run.id)).spans.map((s) => s.span).filter((s) => s.status !== "cancelled")
      const names = [...new Set(spans.map((s) => s.schema_name))]
      const expected = names.map((name) => {
        const ofType = spans.filter((s) => s.schema_name === name)
        return { schema_name: name, span_count: ofType.length, share: ofType.length / spans.length, points: ofType.reduce((sum, s) => sum + s.risk_points, 0) }
      }).sort((a, b) => b.points - a.points || (a.schema_name < b.schema_name ? -1 : 1))
      const report = yield* t.session.getRiskReport(run.id)
      expect(report?.breakdown).toEqual(expected)
      expect(report?.total).toBe(spans.reduce((sum, s) => sum + s.risk_points, 0))
    }))
  })
}

