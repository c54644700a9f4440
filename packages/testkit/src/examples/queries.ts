/**
 * Queries: the timeline tree and its order, span time filters, paging and sorting as the Prefactor
 * API does, instance filters, versions and schema versions.
 */
import { type Commands, Ids } from "@agentledger/domain"
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { everything, refused, runOf, supportSchema, tenant } from "../harness.js"
import { agentWithRun, at, type ExampleTest, span, unknownId } from "./helpers.js"

export const queryExamples = (test: ExampleTest): void => {
  test("the timeline is a tree in started_at order, then creation order; a child may start before its parent", Effect.gen(function*() {
    const t = yield* tenant()
    const { run } = yield* agentWithRun(t)
    const base = Date.now()
    const root = yield* t.session.recordSpan(span(run, "agent", { started_at: at(0, base) }))
    const late = yield* t.session.recordSpan(span(run, "llm", { parent_span_id: root.id, started_at: at(2, base) }))
    const early = yield* t.session.recordSpan(span(run, "llm", { parent_span_id: root.id, started_at: at(1, base) }))
    const tie = yield* t.session.recordSpan(span(run, "llm", { parent_span_id: root.id, started_at: at(1, base) }))
    const beforeParent = yield* t.session.recordSpan(span(run, "crm:lookup", { parent_span_id: late.id, started_at: at(-5, base) }))
    const second = yield* t.session.recordSpan(span(run, "agent", { started_at: at(-1, base) }))
    const timeline = yield* t.session.getTimeline(run.id)
    expect(timeline.instance.id).toBe(run.id)
    expect(timeline.spans.map((s) => [s.span.id, s.depth])).toEqual([
      [second.id, 0],
      [root.id, 0],
      [early.id, 1],
      [tie.id, 1],
      [late.id, 1],
      [beforeParent.id, 2]
    ])
    yield* refused(t.session.getTimeline(unknownId(Ids.InstanceId, t.account.id)), "NotFound")
  }))

  test("listSpans filters by start_time (inclusive) and end_time (exclusive)", Effect.gen(function*() {
    const t = yield* tenant()
    const { agent, run } = yield* agentWithRun(t)
    const otherRun = yield* runOf(t.session, agent.id, t.production.id)
    const base = Date.now()
    const s0 = yield* t.session.recordSpan(span(run, "agent", { started_at: at(0, base) }))
    const s10 = yield* t.session.recordSpan(span(run, "agent", { started_at: at(10, base) }))
    const s20 = yield* t.session.recordSpan(span(run, "agent", { started_at: at(20, base) }))
    const elsewhere = yield* t.session.recordSpan(span(otherRun, "agent", { started_at: at(10, base) }))
    const ids = (request: Commands.ListSpans) => Effect.map(t.session.listSpans(request), (page) => page.items.map((s) => s.id).sort())
    const of = { ...everything, agent_instance_id: run.id }
    expect(yield* ids(of)).toEqual([s0.id, s10.id, s20.id].sort())
    expect(yield* ids({ ...of, start_time: at(10, base) })).toEqual([s10.id, s20.id].sort())
    expect(yield* ids({ ...of, end_time: at(20, base) })).toEqual([s0.id, s10.id].sort())
    expect(yield* ids({ ...of, start_time: at(10, base), end_time: at(20, base) })).toEqual([s10.id])
    expect(yield* ids({ ...everything, start_time: at(10, base), end_time: at(11, base) })).toEqual([s10.id, elsewhere.id].sort())
    expect(yield* ids({ ...everything, agent_id: agent.id })).toHaveLength(4)
  }))

  test("lists page and sort as the Prefactor API does; bad page or sort requests are refused", Effect.gen(function*() {
    const t = yield* tenant()
    for (const name of ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf"]) {
      yield* t.session.createEnvironment({ name, purpose: "testing" })
    }
    const first = yield* t.session.listEnvironments({ offset: 0, page_size: 3, sorting: "name" })
    expect(first.items.map((e) => e.name)).toEqual(["alpha", "bravo", "charlie"])
    expect(first.pagination).toEqual({
      item_count: 10,
      item_start: 1,
      item_end: 3,
      page_count: 4,
      page_index: 1,
      page_offset: 0,
      page_size: 3,
      next_page_offset: 3,
      previous_page_offset: null
    })
    expect(first.sorting).toEqual({ field: "name", direction: "asc" })
    const last = yield* t.session.listEnvironments({ offset: 9, page_size: 3, sorting: "name" })
    expect(last.items.map((e) => e.name)).toEqual(["staging"])
    expect(last.pagination).toMatchObject({ item_start: 10, item_end: 10, page_index: 4, next_page_offset: null, previous_page_offset: 6 })
    const descending = yield* t.session.listEnvironments({ offset: 0, page_size: 2, sorting: "-name" })
    expect(descending.items.map((e) => e.name)).toEqual(["staging", "production"])
    expect(descending.sorting).toEqual({ field: "name", direction: "desc" })
    const beyond = yield* t.session.listEnvironments({ offset: 50, page_size: 10 })
    expect(beyond.items).toEqual([])
    expect(beyond.pagination).toMatchObject({ item_count: 10, item_start: 0, next_page_offset: null })
    // Every page together is the whole list, once.
    const pages = []
    for (let offset = 0; offset < 10; offset += 4) pages.push(...(yield* t.session.listEnvironments({ offset, page_size: 4, sorting: "-name" })).items)
    expect(pages.map((e) => e.name)).toEqual([...pages.map((e) => e.name)].sort().reverse())
    expect(new Set(pages.map((e) => e.id)).size).toBe(10)
    yield* refused(t.session.listEnvironments({ offset: 0, page_size: 0 }), "InvalidInput")
    yield* refused(t.session.listEnvironments({ offset: 0, page_size: 101 }), "InvalidInput")
    yield* refused(t.session.listEnvironments({ offset: -1, page_size: 10 }), "InvalidInput")
    yield* refused(t.session.listEnvironments({ offset: 0, page_size: 10, sorting: "secret_hash" }), "InvalidInput")
    yield* refused(t.session.listAgents({ offset: 0, page_size: 10, sorting: "-nope" }), "InvalidInput")
  }))

  test("instances list by agent, version, environment and status, sorted", Effect.gen(function*() {
    const t = yield* tenant()
    const { agent, run } = yield* agentWithRun(t)
    const staging = yield* runOf(t.session, agent.id, t.staging.id, "2.0.0")
    yield* t.session.startRun(staging.id, {})
    const other = yield* t.session.createAgent({ name: "Other" })
    const theirs = yield* runOf(t.session, other.id, t.production.id)
    const ids = (request: Commands.ListInstances) => Effect.map(t.session.listInstances(request), (page) => page.items.map((i) => i.id))
    expect((yield* ids({ ...everything, agent_id: agent.id })).sort()).toEqual([run.id, staging.id].sort())
    expect(yield* ids({ ...everything, environment_id: t.staging.id })).toEqual([staging.id])
    expect(yield* ids({ ...everything, agent_version_id: theirs.agent_version_id })).toEqual([theirs.id])
    expect(yield* ids({ ...everything, status: "active" })).toEqual([staging.id])
    expect(yield* ids({ ...everything, sorting: "id" })).toEqual([run.id, staging.id, theirs.id].sort())
    expect(yield* ids({ ...everything, sorting: "-id" })).toEqual([run.id, staging.id, theirs.id].sort().reverse())
  }))

  test("versions and schema versions are listed per agent, newest first, and read by id", Effect.gen(function*() {
    const t = yield* tenant()
    const agent = yield* t.session.createAgent({ name: "Bot", external_identifier: "bot" })
    const v1 = yield* runOf(t.session, agent.id, t.production.id, "1.0.0")
    const v2 = yield* runOf(t.session, agent.id, t.production.id, "2.0.0", { schema: { ...supportSchema, external_identifier: "support-bot-schema-2" } })
    const versions = yield* t.session.listVersions({ ...everything, agent_id: agent.id })
    expect(versions.items.map((v) => [v.id, v.sequence, v.external_identifier])).toEqual([
      [v2.agent_version_id, 2, "2.0.0"],
      [v1.agent_version_id, 1, "1.0.0"]
    ])
    const schemas = yield* t.session.listSchemaVersions({ ...everything, agent_id: agent.id })
    expect(schemas.items.map((s) => [s.id, s.sequence, s.external_identifier])).toEqual([
      [v2.agent_schema_version_id, 2, "support-bot-schema-2"],
      [v1.agent_schema_version_id, 1, "support-bot-schema-1"]
    ])
    const version = yield* t.session.getVersion(v1.agent_version_id)
    expect(version).toMatchObject({ agent_id: agent.id, name: "Support bot", agent_schema_version_id: v1.agent_schema_version_id })
    const schema = yield* t.session.getSchemaVersion(v1.agent_schema_version_id)
    expect(Object.keys(schema.span_type_schemas).sort()).toEqual(["agent", "crm:lookup", "llm", "payments:charge"])
    expect(schema.span_type_schemas["crm:lookup"]?.result_schema).toEqual({
      type: "object",
      properties: { email: { type: "string" } },
      required: ["email"]
    })
    yield* refused(t.session.listVersions({ ...everything, agent_id: unknownId(Ids.AgentId, t.account.id) }), "NotFound")
    yield* refused(t.session.getVersion(unknownId(Ids.AgentVersionId, t.account.id)), "NotFound")
  }))
}
