/**
 * Evidence export: a run as one canonical document whose SHA-256 an auditor recomputes from the
 * text alone; everything the document holds, as the reads of the same run answer it; a flagged
 * span's conformance errors; the tree in timeline order; an agent's runs in a range as NDJSON,
 * one verified document per line; a deployment token's reach.
 */
import { Digest, Export, ExportDocument, Ids, type Instance, type LedgerSession } from "@agentledger/domain"
import { expect } from "@effect/vitest"
import { DateTime, Effect, Either, Schema, Stream } from "effect"
import { everything, refused, runOf, type Tenant, tenant } from "../harness.js"
import { agentWithRun, at, type ExampleTest, secretOf, span, unknownId } from "./helpers.js"

/** The whole text of an export. */
export const textOf = <E1, E2>(exported: Effect.Effect<Stream.Stream<string, E2>, E1>) => Effect.flatMap(exported, Stream.mkString)

/**
 * The auditor's check, done apart from `ExportDocument.verify`: parse, re-canonicalize the
 * `export` member, hash it, compare with `sha256`, and find the whole text canonical too. Gives
 * the contents, decoded.
 */
export const verified = (text: string): Export.Contents => {
  const parsed: unknown = JSON.parse(text)
  if (typeof parsed !== "object" || parsed === null || !("export" in parsed) || !("sha256" in parsed)) {
    return expect.fail(`not an export document: ${text.slice(0, 200)}`)
  }
  expect(Object.keys(parsed).sort()).toEqual(["export", "sha256"])
  const canonical = Digest.canonicalJson(parsed.export)
  expect(parsed.sha256).toBe(Digest.sha256Hex(canonical))
  expect(text).toBe(`{"export":${canonical},"sha256":"${Digest.sha256Hex(canonical)}"}`)
  expect(Either.isRight(ExportDocument.verify(text))).toBe(true)
  const contents = ExportDocument.decodeContents(parsed.export)
  if (Either.isLeft(contents)) return expect.fail(`the contents do not decode: ${String(contents.left)}`)
  return contents.right
}

/** The same value, as one schema encodes both: records read back from JSON compare equal to records read directly. */
export const same = <A, I>(schema: Schema.Schema<A, I>, actual: A, expected: A): void => {
  expect(Schema.encodeSync(schema)(actual)).toEqual(Schema.encodeSync(schema)(expected))
}

/**
 * A run of the scored support bot with a tree whose timeline order is not its creation order: a
 * root, a child that started before it, a flagged CRM lookup under it with a conforming one
 * finished beside it, and a second root started first.
 */
const treeRun = (t: Tenant) =>
  Effect.gen(function*() {
    const { agent, run } = yield* agentWithRun(t, { profile: true })
    const base = Date.now() - 60_000
    const root = yield* t.session.recordSpan(span(run, "agent", { started_at: at(10, base) }))
    const early = yield* t.session.recordSpan(span(run, "llm", { parent_span_id: root.id, started_at: at(5, base), payload: { prompt: "hi" } }))
    const flagged = yield* t.session.recordSpan(span(run, "crm:lookup", { parent_span_id: early.id, started_at: at(20, base), payload: { customer_id: 42 } }))
    const lookup = yield* t.session.recordSpan(span(run, "crm:lookup", { parent_span_id: early.id, started_at: at(15, base), payload: { customer_id: "c-1" } }))
    yield* t.session.finishSpan(lookup.id, { status: "complete", result_payload: { email: "a@example.com" } })
    const first = yield* t.session.recordSpan(span(run, "agent", { started_at: at(1, base) }))
    return { agent, run, root, early, flagged, lookup, first }
  })

/** The run's records as the individual reads answer them. */
export const readsOf = (session: LedgerSession, run: Instance.Instance) =>
  Effect.gen(function*() {
    const instance = yield* session.getInstance(run.id)
    const deployment = instance.agent_deployment_id === null ? null : yield* session.getDeployment(instance.agent_deployment_id)
    const agent = yield* session.getAgent(instance.agent_id)
    const revisions = agent.risk_profile_id === null ? [] : yield* session.listRiskProfileRevisions(agent.risk_profile_id)
    return {
      instance,
      agent,
      version: yield* session.getVersion(instance.agent_version_id),
      schemaVersion: yield* session.getSchemaVersion(instance.agent_schema_version_id),
      environment: yield* session.getEnvironment(instance.environment_id),
      deployment,
      revision: revisions.find((revision) => revision.id === instance.risk_profile_revision_id) ?? null,
      risk: yield* session.getRiskReport(run.id),
      timeline: yield* session.getTimeline(run.id)
    }
  })

export const exportExamples = (test: ExampleTest): void => {
  test("a run's export is one canonical document whose sha256 an auditor recomputes, holding the run and all it names", Effect.gen(function*() {
    const t = yield* tenant()
    const { run } = yield* treeRun(t)
    const before = DateTime.unsafeMake(Date.now() - 1)
    const contents = verified(yield* textOf(t.session.exportRun(run.id)))
    const reads = yield* readsOf(t.session, run)

    expect(contents.format).toBe(Export.format)
    same(Export.Contents.fields.run, contents.run, reads.instance)
    same(Export.Contents.fields.agent, contents.agent, reads.agent)
    same(Export.Contents.fields.agent_version, contents.agent_version, reads.version)
    same(Export.Contents.fields.schema_version, contents.schema_version, reads.schemaVersion)
    expect(Object.keys(contents.schema_version.span_type_schemas).sort()).toEqual(["agent", "crm:lookup", "llm", "payments:charge"])
    same(Export.Contents.fields.environment, contents.environment, reads.environment)
    if (reads.deployment === null || contents.deployment === null) return expect.fail("the run registered through its deployment")
    same(Export.DeploymentAtRun.fields.record, contents.deployment.record, reads.deployment.deployment)
    // The run moved the pointer to its own version when it registered: that move is the one in force.
    expect(contents.deployment.version_at_registration).toBe(run.agent_version_id)
    expect(contents.deployment.moved_by?.cause).toBe("run")
    if (reads.revision === null) return expect.fail("the support bot is scored")
    same(Export.Contents.fields.risk_profile_revision, contents.risk_profile_revision, reads.revision)
    same(Export.Contents.fields.risk, contents.risk, reads.risk)
    expect(contents.risk?.total).toBe(2 * 1200)
    same(Export.Contents.fields.spans, contents.spans, reads.timeline.spans)
    expect(contents.exported_by).toEqual({ type: "api_token", id: t.session.principal.token_id, scope: "account" })
    expect(DateTime.greaterThan(contents.exported_at, before)).toBe(true)
    expect(contents.chain.sequence).toBeGreaterThanOrEqual(0)
    expect(contents.chain.hash).toMatch(/^[0-9a-f]{64}$/)
  }))

  test("the spans are the tree in timeline order, with depths, and a flagged span carries its conformance errors", Effect.gen(function*() {
    const t = yield* tenant()
    const { early, first, flagged, lookup, root } = yield* treeRun(t)
    const contents = verified(yield* textOf(t.session.exportRun(root.agent_instance_id)))
    expect(contents.spans.map((entry) => [entry.span.id, entry.depth])).toEqual([
      [first.id, 0],
      [root.id, 0],
      [early.id, 1],
      [lookup.id, 2],
      [flagged.id, 2]
    ])
    const exported = contents.spans.find((entry) => entry.span.id === flagged.id)?.span
    expect(exported?.conformance.payload).toBe("mismatch")
    expect(exported?.conformance.errors.map((error) => [error.target, error.instance_path, error.keyword])).toEqual([["payload", "/customer_id", "type"]])
    expect(exported?.payload).toEqual({ customer_id: 42 })
    const finished = contents.spans.find((entry) => entry.span.id === lookup.id)?.span
    expect([finished?.status, finished?.result_payload, finished?.conformance.result]).toEqual(["complete", { email: "a@example.com" }, "conforms"])
    expect(contents.run.conformance_counts).toEqual({ conforms: 4, flagged: 1 })
  }))

  test("a run without spans, deployment or profile exports nulls; the deployment is shown as its pointer stood at registration", Effect.gen(function*() {
    const t = yield* tenant()
    const agent = yield* t.session.createAgent({ name: "Plain bot" })
    const undeployed = yield* runOf(t.session, agent.id, t.production.id, "1.0.0", { update_current_version: false })
    const plain = verified(yield* textOf(t.session.exportRun(undeployed.id)))
    expect([plain.spans, plain.risk, plain.risk_profile_revision, plain.deployment]).toEqual([[], null, null, null])

    // v1 deployed by its run; v2 run without moving the pointer; v3 deployed by its run. The v2
    // run is placed in the history by time, to the millisecond (a move in its registration's
    // millisecond counts as before it), so the runs are a few milliseconds apart.
    const pause = Effect.sleep("3 millis")
    const first = yield* runOf(t.session, agent.id, t.production.id, "1.0.0")
    const second = yield* Effect.zipRight(pause, runOf(t.session, agent.id, t.production.id, "2.0.0", { update_current_version: false }))
    const third = yield* Effect.zipRight(pause, runOf(t.session, agent.id, t.production.id, "3.0.0"))
    const deploymentOf = (run: Instance.Instance) =>
      Effect.map(textOf(t.session.exportRun(run.id)), (text) => {
        const deployment = verified(text).deployment
        if (deployment === null) return expect.fail("the run has a deployment")
        expect(deployment.record.current_version_id).toBe(third.agent_version_id)
        return [deployment.version_at_registration, deployment.moved_by?.to_version_id]
      })
    expect(yield* deploymentOf(first)).toEqual([first.agent_version_id, first.agent_version_id])
    expect(yield* deploymentOf(second)).toEqual([first.agent_version_id, first.agent_version_id])
    expect(yield* deploymentOf(third)).toEqual([third.agent_version_id, third.agent_version_id])
    expect(second.agent_version_id).not.toBe(first.agent_version_id)
  }))

  test("the document's chain is the log's head when it was exported; the export's event follows it, naming its hash", Effect.gen(function*() {
    const t = yield* tenant()
    const { agent, run } = yield* treeRun(t)
    const newest = (count: number) => Effect.map(t.session.listAuditEvents({ offset: 0, page_size: count, sorting: "-sequence" }), (page) => page.items)
    const [head] = yield* newest(1)
    if (head === undefined) return expect.fail("opening the account and creating the agent are audited")
    const text = yield* textOf(t.session.exportRun(run.id))
    const contents = verified(text)
    expect(contents.chain).toEqual({ sequence: head.sequence, hash: head.hash })
    const [event] = yield* newest(1)
    expect(event?.sequence).toBe(head.sequence + 1)
    expect(event?.previous_hash).toBe(head.hash)
    expect([event?.action, event?.entity, event?.entity_id]).toEqual(["agent_instance.export", "agent_instance", run.id])
    expect(event?.actor).toEqual({ type: "api_token", id: t.session.principal.token_id, scope: "account" })
    // `verified` checked the document's own sha256 against its contents.
    const sha256 = /"sha256":"([0-9a-f]{64})"}$/.exec(text)?.[1]
    expect(event?.after).toEqual({ format: Export.format, kind: "run", sha256, chain: contents.chain })

    const lines = yield* textOf(t.session.exportAgentRuns(agent.id, {}))
    const [stream] = yield* newest(1)
    expect(stream?.entity_id).toBeNull()
    expect(stream?.after).toEqual(expect.objectContaining({ kind: "agent_runs", agent_id: agent.id, runs: 1, sha256: Digest.sha256Hex(lines), complete: true }))
    expect(verified(lines.slice(0, -1)).chain).toEqual({ sequence: event?.sequence, hash: event?.hash })
    expect((yield* t.session.verifyAuditChain()).valid).toBe(true)
  }))

  test("an unknown run is not found before any byte; a deployment token exports its own agent's runs only", Effect.gen(function*() {
    const t = yield* tenant()
    const { agent, run } = yield* agentWithRun(t)
    yield* refused(t.session.exportRun(unknownId(Ids.InstanceId, t.account.id)), "NotFound")
    const other = yield* t.session.createAgent({ name: "Other" })
    const otherRun = yield* runOf(t.session, other.id, t.production.id)
    const deployment = (yield* t.session.listDeployments({ ...everything, agent_id: agent.id })).items[0]
    if (deployment === undefined) return expect.fail("the run deployed its agent")
    const scoped = yield* t.ledger.authenticate(secretOf(yield* t.session.createToken({ token_scope: "agent_deployment", agent_deployment_id: deployment.id })))
    const own = verified(yield* textOf(scoped.exportRun(run.id)))
    expect(own.exported_by).toEqual({ type: "api_token", id: scoped.principal.token_id, scope: "agent_deployment" })
    yield* refused(scoped.exportRun(otherRun.id), "NotFound")
    yield* refused(scoped.exportAgentRuns(other.id, {}), "NotFound")
    expect((yield* textOf(scoped.exportAgentRuns(agent.id, {}))).split("\n").filter((line) => line !== "")).toHaveLength(1)
    // Another account's run is not found either.
    const stranger = yield* tenant("Stranger")
    yield* refused(stranger.session.exportRun(run.id), "NotFound")
  }))

  test("an agent's export is NDJSON: one verified document per run started in the range, oldest first", Effect.gen(function*() {
    const t = yield* tenant()
    const agent = yield* t.session.createAgent({ name: "Support bot" })
    const other = yield* t.session.createAgent({ name: "Other" })
    const hour = 3_600_000
    const now = Date.now()
    const started: Array<Instance.Instance> = []
    for (const hoursAgo of [3, 1, 2, 4]) {
      const run = yield* runOf(t.session, agent.id, t.production.id)
      started.push(yield* t.session.startRun(run.id, { timestamp: DateTime.unsafeMake(now - hoursAgo * hour) }))
    }
    const otherRun = yield* runOf(t.session, other.id, t.production.id)
    yield* t.session.startRun(otherRun.id, { timestamp: DateTime.unsafeMake(now - 2 * hour) })
    const range = { started_after: DateTime.unsafeMake(now - 3 * hour), started_before: DateTime.unsafeMake(now - hour) }

    const text = yield* textOf(t.session.exportAgentRuns(agent.id, range))
    expect(text.endsWith("\n")).toBe(true)
    const lines = text.slice(0, -1).split("\n").map(verified)
    // [3 h ago, 1 h ago): the runs of 3 and 2 hours ago, in that order; the end is exclusive.
    expect(lines.map((line) => line.run.id)).toEqual([started[0]?.id, started[2]?.id])
    const listed = yield* t.session.listInstances({ ...everything, agent_id: agent.id, ...range, sort: "started_at" })
    expect(lines.map((line) => line.run.id)).toEqual(listed.items.map((run) => run.id))
    for (const line of lines) {
      same(Export.Contents.fields.run, line.run, yield* t.session.getInstance(line.run.id))
      expect(line.agent.id).toBe(agent.id)
    }

    expect((yield* textOf(t.session.exportAgentRuns(agent.id, {}))).split("\n").filter((line) => line !== "")).toHaveLength(4)
    expect(yield* textOf(t.session.exportAgentRuns(agent.id, { started_after: DateTime.unsafeMake(now) }))).toBe("")
    yield* refused(t.session.exportAgentRuns(agent.id, { started_after: range.started_before, started_before: range.started_after }), "InvalidInput")
    yield* refused(t.session.exportAgentRuns(unknownId(Ids.AgentId, t.account.id), {}), "NotFound")
  }))
}
