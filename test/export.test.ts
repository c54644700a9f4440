/**
 * Evidence export and the audit log, on memory and on PGlite, locally and over HTTP: a document's
 * chain position is the log's head when it was exported and the export's event follows it,
 * naming the document's hash; an agent's stream is recorded once when it ends — complete, or cut
 * short by its reader, with the lines it wrote and their hash; a run's export read only in part
 * leaves no event; a read failing after the first byte cuts the connection rather than ending the
 * body as if it were whole.
 */
import { Audit, type Commands, Digest, Export, ExportDocument, Ids, type Instance, type Ledger, LedgerLive, LedgerStore, type StoreTx } from "@agentledger/domain"
import { Client } from "@agentledger/http"
import { MemoryStore } from "@agentledger/store-memory"
import { PgStore } from "@agentledger/store-postgres"
import { runOf, tenant } from "@agentledger/testkit"
import { describe, expect, it } from "@effect/vitest"
import { Context, DateTime, Effect, Either, Exit, Layer, Schedule, Schema, Stream } from "effect"
import { afterAll, beforeAll } from "vitest"
import { type RunningServer, startServer } from "./support/server.js"
import { type SharedStore, sharedStore } from "./support/sharedStore.js"

const entropy = Effect.runSync(Effect.provide(Ids.IdEntropy, Ids.IdEntropy.Live))

const everyEvent = { offset: 0, limit: 10_000, sort: { field: "sequence", direction: "asc" } } as const

/** The account's log, oldest first, read from the store itself. */
const logOf = (store: Context.Tag.Service<LedgerStore>, account: Ids.AccountId) =>
  store.read(account, (tx) => Effect.map(tx.audit.list({}, everyEvent), (listed) => listed.items))

const exportEvents = (store: Context.Tag.Service<LedgerStore>, account: Ids.AccountId) =>
  Effect.map(logOf(store, account), (events) => events.filter((event) => event.action === Export.action))

/** A tenant with the support bot and two runs of it, each with a span. */
const withRuns = Effect.gen(function*() {
  const t = yield* tenant()
  const agent = yield* t.session.createAgent({ name: "Support bot" })
  const withSpan = Effect.tap(runOf(t.session, agent.id, t.production.id), (run: Instance.Instance) =>
    t.session.recordSpan({ agent_instance_id: run.id, schema_name: "llm", status: "active", payload: { prompt: "hi" } }))
  const run = yield* withSpan
  yield* withSpan
  return { t, agent, run }
})

const textOf = <E1, E2>(exported: Effect.Effect<Stream.Stream<string, E2>, E1>) => Effect.flatMap(exported, Stream.mkString)

const sha256Of = (text: string): string => {
  const parsed: unknown = JSON.parse(text)
  return typeof parsed === "object" && parsed !== null && "sha256" in parsed && typeof parsed.sha256 === "string" ? parsed.sha256 : ""
}

const chainOf = (text: string): unknown => {
  const parsed: unknown = JSON.parse(text)
  return typeof parsed === "object" && parsed !== null && "export" in parsed && typeof parsed.export === "object" && parsed.export !== null &&
      "chain" in parsed.export
    ? parsed.export.chain
    : null
}

const auditTests = (name: string, stores: () => SharedStore, ledger: () => Layer.Layer<Ledger>) =>
  describe(`evidence export and the audit log: ${name}`, () => {
    const run = <A, E>(body: Effect.Effect<A, E, Ledger>) => Effect.provide(body, ledger())

    it.live("a run longer than a page of places and many pages of spans is exported whole, in the timeline's order", () =>
      run(Effect.gen(function*() {
        const t = yield* tenant()
        const agent = yield* t.session.createAgent({ name: "Long bot" })
        const long = yield* runOf(t.session, agent.id, t.production.id)
        const count = Export.pages.places + 3 * Export.pages.spans + 7
        const base = Date.now() - count * 10
        const roots: Array<Ids.SpanId> = []
        // Every tenth span a root; the others children of a root chosen far back, started before
        // it: timeline order crosses every page of creation order.
        for (let from = 0; from < count; from += 500) {
          const batch: Array<Commands.CreateSpan> = []
          for (let i = from; i < Math.min(count, from + 500); i++) {
            const id = Ids.mintAt(Ids.SpanId, Ids.partitionOf(t.account.id), Date.now(), entropy)
            const parent = i % 10 === 0 ? null : roots[(i * 7) % roots.length] ?? null
            if (parent === null) roots.push(id)
            batch.push({ agent_instance_id: long.id, id, parent_span_id: parent, schema_name: "llm", status: "complete", payload: { i }, started_at: DateTime.unsafeMake(base + (count - i) * 10) })
          }
          yield* t.session.recordSpans(batch)
        }
        const text = yield* textOf(t.session.exportRun(long.id))
        const timeline = yield* t.session.getTimeline(long.id)
        const entries = Schema.decodeUnknownSync(Schema.Struct({ export: Schema.Struct({ spans: Schema.Array(Export.Entry) }) }))(JSON.parse(text)).export.spans
        expect(entries).toHaveLength(count)
        expect(entries.map((entry) => [entry.span.id, entry.depth])).toEqual(timeline.spans.map((entry) => [entry.span.id, entry.depth]))
        expect(Either.isRight(ExportDocument.verify(text))).toBe(true)
      })), 120_000)

    it.live("a run's document carries the log's head; its event follows it, naming the document's hash and position", () =>
      run(Effect.gen(function*() {
        const { run: exported, t } = yield* withRuns
        const store = stores().store()
        const before = yield* logOf(store, t.account.id)
        const last = before[before.length - 1]
        const text = yield* textOf(t.session.exportRun(exported.id))
        const chain = { sequence: last?.sequence ?? 0, hash: last?.hash ?? Audit.genesisHash }
        expect(chainOf(text)).toEqual(chain)
        const after = yield* logOf(store, t.account.id)
        expect(after).toHaveLength(before.length + 1)
        const event = after[after.length - 1]
        expect(event?.action).toBe("agent_instance.export")
        expect(event?.entity).toBe("agent_instance")
        expect(event?.entity_id).toBe(exported.id)
        expect(event?.actor).toEqual({ type: "api_token", id: t.session.principal.token_id, scope: "account" })
        expect(event?.before).toBeNull()
        expect(event?.after).toEqual({ format: Export.format, kind: "run", sha256: sha256Of(text), chain })
        expect(event?.previous_hash).toBe(chain.hash)
        expect(Audit.verify(after).valid).toBe(true)
      })))

    it.live("an agent's stream is one event when it ends: its range, lines, their hash and the chain's head when it began", () =>
      run(Effect.gen(function*() {
        const { agent, t } = yield* withRuns
        const store = stores().store()
        const text = yield* textOf(t.session.exportAgentRuns(agent.id, {}))
        const lines = text.split("\n").filter((line) => line !== "")
        expect(lines).toHaveLength(2)
        const events = yield* exportEvents(store, t.account.id)
        expect(events).toHaveLength(1)
        expect(events[0]?.entity_id).toBeNull()
        expect(events[0]?.after).toEqual({
          format: Export.format,
          kind: "agent_runs",
          agent_id: agent.id,
          started_after: null,
          started_before: null,
          runs: 2,
          sha256: Digest.sha256Hex(text),
          chain: chainOf(lines[0] ?? ""),
          complete: true
        })
        expect(chainOf(lines[1] ?? "")).toEqual(chainOf(lines[0] ?? ""))
      })))

    it.live("a stream its reader leaves after one line is recorded as incomplete, with that line; a run's document read in part is not recorded", () =>
      run(Effect.gen(function*() {
        const { agent, run: exported, t } = yield* withRuns
        const store = stores().store()
        const pieces = yield* t.session.exportAgentRuns(agent.id, {})
        let first = ""
        yield* pieces.pipe(
          Stream.takeUntil((piece) => piece.endsWith("\n")),
          Stream.runForEach((piece) => Effect.sync(() => {
            first += piece
          }))
        )
        const events = yield* exportEvents(store, t.account.id)
        expect(events.map((event) => event.after)).toEqual([expect.objectContaining({ runs: 1, sha256: Digest.sha256Hex(first), complete: false })])
        yield* Effect.flatMap(t.session.exportRun(exported.id), (document) => Stream.runDrain(Stream.take(document, 1)))
        expect(yield* exportEvents(store, t.account.id)).toHaveLength(1)
      })))
  })

const memory = sharedStore(async () => ({ layer: MemoryStore.layer }))
auditTests("store-memory", () => memory, memory.ledger)

const pglite = sharedStore(async () => ({ layer: PgStore.layerPgliteWorker() }))
auditTests("store-postgres on PGlite in a worker thread", () => pglite, pglite.ledger)

/** The memory store, but a read of whole spans dies: a failure after an export's first byte. */
const failingSpans = (store: Context.Tag.Service<LedgerStore>): Context.Tag.Service<LedgerStore> => {
  const broken = (tx: StoreTx): StoreTx => ({ ...tx, spans: { ...tx.spans, withSequences: () => Effect.dieMessage("the disk is gone") } })
  return { ...store, read: (account, work) => store.read(account, (tx) => work(broken(tx))) }
}

describe("evidence export over HTTP", () => {
  let server: RunningServer | undefined
  let failing: RunningServer | undefined
  let store: Context.Tag.Service<LedgerStore> | undefined
  beforeAll(async () => {
    const built = await Effect.runPromise(Effect.scoped(Layer.build(MemoryStore.layer)))
    store = Context.get(built, LedgerStore)
    const shared = store
    server = await startServer({ store: Layer.succeed(LedgerStore, shared) })
    failing = await startServer({ store: Layer.succeed(LedgerStore, failingSpans(shared)) })
  }, 120_000)
  afterAll(async () => {
    await server?.close()
    await failing?.close()
  })
  /** The servers' ledger, used directly: what a test sets up needs no round trips. */
  const local = () => {
    const shared = store
    if (shared === undefined) throw new Error("the store is used before it was started")
    return LedgerLive.layer.pipe(Layer.provide(Layer.succeed(LedgerStore, shared)), Layer.provide(Ids.IdEntropy.Live))
  }
  const over = (running: RunningServer | undefined) => {
    if (running === undefined) throw new Error("the server is used before it was started")
    return Client.layerFetch({ baseUrl: running.url, operatorToken: running.operatorToken })
  }

  it.live("a reader that goes away mid-stream leaves the stream recorded as incomplete", () =>
    Effect.gen(function*() {
      const { agent, t } = yield* withRuns
      // Forty megabytes of lines: far more than a loopback connection's buffers hold (a few
      // megabytes each way), so the server is still writing when the reader leaves.
      const note = "x".repeat(1_000_000)
      for (let index = 0; index < 40; index++) {
        const extra = yield* runOf(t.session, agent.id, t.production.id)
        yield* t.session.recordSpan({ agent_instance_id: extra.id, schema_name: "llm", status: "active", payload: { prompt: note } })
      }
      const response = yield* Effect.promise(() =>
        fetch(`${server?.url}/api/v1/agent/${agent.id}/export`, { headers: { authorization: `Bearer ${t.secret}` } }))
      expect(response.status).toBe(200)
      expect(response.headers.get("content-type")).toContain("application/x-ndjson")
      const reader = response.body?.getReader()
      yield* Effect.promise(() => reader?.read() ?? Promise.resolve(undefined))
      yield* Effect.promise(() => reader?.cancel() ?? Promise.resolve())
      const shared = store
      if (shared === undefined) return expect.fail("no store")
      // The server records the stream when it sees the connection close: a moment after the cancel.
      const recorded = yield* exportEvents(shared, t.account.id).pipe(
        Effect.filterOrFail((events) => events.length > 0),
        Effect.retry(Schedule.intersect(Schedule.spaced("20 millis"), Schedule.recurs(250)))
      )
      expect(recorded[0]?.after).toEqual(expect.objectContaining({ kind: "agent_runs", complete: false }))
    }).pipe(Effect.provide(local())))

  it.live("a failure after the first byte cuts the connection: the body never ends as if whole", () =>
    Effect.gen(function*() {
      const { run, t } = yield* withRuns
      // Cut short, the body is a transport failure (a defect of the client), wherever it falls;
      // ended as if whole, it would have been text that merely fails to parse.
      const exit = yield* Effect.exit(textOf(t.session.exportRun(run.id)))
      expect(Exit.isFailure(exit) && Exit.causeOption(exit).pipe((cause) => cause._tag === "Some" && cause.value._tag === "Die")).toBe(true)
    }).pipe(Effect.provide(over(failing))))

  it.live("errors before the first byte are statuses with the error envelope", () =>
    Effect.gen(function*() {
      const { agent, t } = yield* withRuns
      const get = (path: string, secret = t.secret) =>
        Effect.promise(async () => {
          const response = await fetch(`${server?.url}/api/v1${path}`, { headers: { authorization: `Bearer ${secret}` } })
          return [response.status, await response.json()] as const
        })
      const unknown = Schema.decodeSync(Ids.InstanceId)(Ids.encode(Date.now(), Ids.partitionOf(t.account.id), "0000000000000000"))
      expect(yield* get(`/agent_instance/${unknown}/export`)).toEqual([404, expect.objectContaining({ status: "error", code: "not_found" })])
      expect(yield* get(`/agent_instance/not-an-id/export`)).toEqual([400, expect.objectContaining({ status: "error" })])
      expect(yield* get(`/agent/${agent.id}/export`, "not-a-token")).toEqual([401, expect.objectContaining({ status: "error", code: "unauthorized" })])
      expect(yield* get(`/agent/${agent.id}/export?started_after=2026-01-02T00:00:00Z&started_before=2026-01-01T00:00:00Z`))
        .toEqual([400, expect.objectContaining({ code: "validation_errors" })])
    }).pipe(Effect.provide(over(server))))
})
