/**
 * Reads bounded by the page, counted: every statement the store sends during a read is recorded
 * (an `@effect/sql` statement transformer sees each one), so a page of agents or versions must
 * cost the same statements for 2 records as for 12 — no statement per record — and the span
 * outline and the risk report must not select a span's payloads.
 */
import type { LedgerSession } from "@agentledger/domain"
import { PgStore } from "@agentledger/store-postgres"
import { runOf, tenant } from "@agentledger/testkit"
import { describe, expect, it } from "@effect/vitest"
import { Statement } from "@effect/sql"
import { Effect } from "effect"
import { ledgerOn } from "./support/postgres.js"

/** Runs `effect` and answers what it answered and the SQL text of every statement it sent. */
const counted = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const sent: Array<string> = []
    const result = yield* Statement.withTransformer(effect, (statement) =>
      Effect.sync(() => {
        sent.push(statement.compile()[0])
        return statement
      }))
    return { result, sent }
  })

const ledger = () => ledgerOn(PgStore.layerPglite())

/** `agents` agents, each with one run in production (so one deployment) and a second version under the same identifier. */
const agentsWithRuns = (session: LedgerSession, production: Parameters<typeof runOf>[2], agents: number) =>
  Effect.forEach(Array.from({ length: agents }, (_, i) => i), (i) =>
    Effect.gen(function*() {
      const agent = yield* session.createAgent({ name: `Agent ${i}` })
      yield* runOf(session, agent.id, production)
      yield* runOf(session, agent.id, production, "1.0.0", { schema: { span_schemas: { other: { type: "object" } } } })
      return agent
    }))

describe("reads bounded by the page (PGlite, statements counted)", () => {
  it.live("a page of agents, versions or schema versions costs the same statements for 2 records as for 12", () =>
    Effect.gen(function*() {
      const t = yield* tenant()
      const agents = yield* agentsWithRuns(t.session, t.production.id, 12)
      const first = agents[0]
      if (first === undefined) return expect.fail("agents were created")

      const small = yield* counted(t.session.agentUsage(agents.slice(0, 2)))
      const large = yield* counted(t.session.agentUsage(agents))
      expect(large.result.map((u) => u.instance_counts.total)).toEqual(agents.map(() => 2))
      // Two aggregates (runs by agent and status, deployments by agent), whatever the page's size.
      expect(small.sent.length).toBe(2)
      expect(large.sent.length).toBe(small.sent.length)
      for (const text of large.sent) expect(text).toMatch(/GROUP BY/)
      // More records than a page (240) are read a page (100) at a time: 3 pages, 2 statements each.
      const many = Array.from({ length: 20 }, () => agents).flat()
      const paged = yield* counted(t.session.agentUsage(many))
      expect(paged.result).toEqual(Array.from({ length: 20 }, () => large.result).flat())
      expect(paged.sent.length).toBe(6)

      // Versions: one agent with 12 versions, two of each identifier.
      for (let i = 0; i < 10; i++) {
        yield* runOf(t.session, first.id, t.production.id, `${Math.floor(i / 2) + 2}.0.0`, { schema: { span_schemas: { [`t${i}`]: { type: "object" } } } })
      }
      const versions = (yield* t.session.listVersions({ offset: 0, page_size: 100, agent_id: first.id })).items
      expect(versions.length).toBe(12)
      const fewVersions = yield* counted(t.session.versionUsage(versions.slice(0, 2)))
      const allVersions = yield* counted(t.session.versionUsage(versions))
      expect(allVersions.result.map((u) => u.external_identifier_repeats)).toEqual(versions.map(() => 2))
      expect(allVersions.result.flatMap((u) => u.current_agent_deployment_refs).length).toBe(1)
      expect(fewVersions.sent.length).toBe(2)
      expect(allVersions.sent.length).toBe(fewVersions.sent.length)

      const schemas = (yield* t.session.listSchemaVersions({ offset: 0, page_size: 100, agent_id: first.id })).items
      const fewSchemas = yield* counted(t.session.schemaVersionUsage(schemas.slice(0, 2)))
      const allSchemas = yield* counted(t.session.schemaVersionUsage(schemas))
      expect(allSchemas.result.flatMap((u) => u.current_agent_deployment_refs).length).toBe(1)
      expect(fewSchemas.sent.length).toBe(2)
      expect(allSchemas.sent.length).toBe(fewSchemas.sent.length)
      // Neither read selects the schemas themselves.
      for (const text of [...allVersions.sent, ...allSchemas.sent]) expect(text).not.toMatch(/span_type_schemas|SELECT \* FROM agent_(schema_)?versions/)
    }).pipe(Effect.provide(ledger())), 120_000)

  it.live("the span outline and the risk report never select a span's payloads; the outline reads one page", () =>
    Effect.gen(function*() {
      const t = yield* tenant()
      const agent = yield* t.session.createAgent({ name: "Bot" })
      const run = yield* runOf(t.session, agent.id, t.production.id)
      yield* t.session.recordSpans(Array.from({ length: 60 }, (_, i) => ({
        agent_instance_id: run.id,
        schema_name: "llm",
        status: "complete" as const,
        payload: { prompt: "x".repeat(1000 + i) },
        result_payload: { text: "y".repeat(1000) }
      })))
      const outline = yield* counted(t.session.listSpanOutlines(run.id, { offset: 10, page_size: 5 }))
      expect(outline.result.items.map((s) => s.sequence)).toEqual([11, 12, 13, 14, 15])
      expect(outline.result.pagination.item_count).toBe(60)
      // The run, the count and the page: three statements, the page's bounded by LIMIT.
      expect(outline.sent.length).toBe(3)
      const page = outline.sent.find((text) => text.includes("agent_spans") && text.includes("LIMIT"))
      expect(page).toBeDefined()
      expect(page).toContain("'{}'::jsonb AS payload")
      // With the placeholders that keep the row's shape taken out, no statement names a payload column.
      const placeholders = ["'{}'::jsonb AS payload", "NULL::jsonb AS result_payload", "'payload', conformance->'payload'"]
      for (const text of outline.sent) expect(placeholders.reduce((rest, p) => rest.replace(p, ""), text)).not.toMatch(/payload/)

      const report = yield* counted(t.session.getRiskReport(run.id))
      expect(report.result).toBeNull()
      const profile = yield* t.session.createRiskProfile({
        name: "P", category_weights: {}, action_multipliers: {}, thresholds: { medium: 1, high: 2, critical: 3 }
      })
      yield* t.session.updateAgent(agent.id, { risk_profile_id: profile.profile.id })
      const scored = yield* runOf(t.session, agent.id, t.production.id)
      yield* t.session.recordSpans(Array.from({ length: 30 }, () => ({
        agent_instance_id: scored.id, schema_name: "llm", status: "complete" as const, payload: { prompt: "z".repeat(2000) }
      })))
      const scoredReport = yield* counted(t.session.getRiskReport(scored.id))
      expect(scoredReport.result?.breakdown.map((e) => [e.schema_name, e.span_count])).toEqual([["llm", 30]])
      for (const text of scoredReport.sent) expect(text).not.toMatch(/payload/)
    }).pipe(Effect.provide(ledger())), 120_000)
})
