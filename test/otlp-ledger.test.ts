/**
 * The OTLP ingestion path over the `Ledger` itself (`Plan` → `Ingest`), on the in-memory store
 * and on PGlite (whose schema no longer holds a span's parent as a foreign key): spans arriving
 * one export at a time, children before parents and the root before late children, land once
 * each in one run that finishes with its root; a retried export lands nothing twice and refuses
 * nothing; a span outside its finished run's time is refused on its own, its batch landing; and
 * a run registers on the version its deployment points at.
 */
import { Ids, Ledger, LedgerLive, type LedgerSession, type LedgerStore } from "@agentledger/domain"
import { Ingest, type Model, Plan } from "@agentledger/otlp"
import { MemoryStore } from "@agentledger/store-memory"
import { PgStore } from "@agentledger/store-postgres"
import { DateTime, Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const traceId = "0af7651916cd43dd8448eb211c80319c"
const base = 1_796_553_240_000_000_000n
const ms = 1_000_000n

/** A span of the trace: id n, under parent p (0: the root), from `start` to `end` milliseconds after the base. */
const span = (n: number, parent: number | null, start: number, end: number, error = false): Model.Span => ({
  traceId,
  spanId: n.toString(16).padStart(16, "0"),
  traceState: "",
  parentSpanId: parent === null ? "" : parent.toString(16).padStart(16, "0"),
  name: `step ${n}`,
  kind: 1,
  startTimeUnixNano: base + BigInt(start) * ms,
  endTimeUnixNano: base + BigInt(end) * ms,
  attributes: [{ key: "gen_ai.operation.name", value: { _tag: "string", value: n === 1 ? "invoke_agent" : "chat" } }],
  droppedAttributesCount: 0,
  events: [],
  droppedEventsCount: 0,
  links: [],
  droppedLinksCount: 0,
  status: { code: error ? 2 : 0, message: "" },
  flags: 0x101
})

const request = (...spans: ReadonlyArray<Model.Span>): Model.ExportRequest => ({
  resourceSpans: [{
    resource: { attributes: [], droppedAttributesCount: 0 },
    scopeSpans: [{ scope: { name: "s", version: "", attributes: [], droppedAttributesCount: 0 }, spans, schemaUrl: "" }],
    schemaUrl: ""
  }]
})

const root = span(1, null, 0, 1000)
const child = span(2, 1, 10, 400)
const grandchild = span(3, 2, 20, 300)
const late = span(4, 1, 500, 900)

/** A deployment token's session on a fresh ledger over `store`, with the deployment. */
const deployed = (session: LedgerSession) =>
  Effect.gen(function*() {
    const agent = yield* session.createAgent({ name: "OTel agent" })
    const environment = (yield* session.listEnvironments({ offset: 0, page_size: 10 })).items[0]
    if (environment === undefined) return yield* Effect.dieMessage("a new account has environments")
    const { deployment } = yield* session.createDeployment({ agent_id: agent.id, environment_id: environment.id })
    const token = yield* session.createToken({ token_scope: "agent_deployment", agent_deployment_id: deployment.id })
    const ledger = yield* Ledger
    return { agent, deployment, session: yield* ledger.authenticate(token.secret ?? "") }
  })

const onStore = (name: string, store: () => Layer.Layer<LedgerStore>) =>
  describe(`OTLP ingestion on the ${name}`, () => {
    // One ledger for the file's tests (a PGlite takes seconds to open); each test has an account of its own.
    let runtime: ManagedRuntime.ManagedRuntime<Ledger, never> | undefined
    beforeAll(() => {
      runtime = ManagedRuntime.make(LedgerLive.layer.pipe(Layer.provide(store()), Layer.provide(Ids.IdEntropy.Live)))
    })
    afterAll(() => runtime?.dispose())
    const run = <A, E>(body: (session: LedgerSession) => Effect.Effect<A, E, Ledger>) => {
      if (runtime === undefined) throw new Error("the ledger is used before it was made")
      return runtime.runPromise(
        Effect.gen(function*() {
          const ledger = yield* Ledger
          const created = yield* ledger.createAccount({ name: "OTLP" })
          return yield* body(yield* ledger.authenticate(created.secret))
        })
      )
    }

    it("lands spans that arrive child first, root before a late child, and retried, once each in one finished run", () =>
      run((account) =>
        Effect.gen(function*() {
          const { agent, session } = yield* deployed(account)
          const outcomes = []
          for (const export_ of [request(grandchild), request(child), request(root), request(late), request(root, child, grandchild, late)]) {
            outcomes.push(yield* Ingest.ingest(session, Plan.plan(export_)))
          }
          expect(outcomes.map((outcome) => outcome.refused)).toEqual([[], [], [], [], []])
          expect(outcomes.map((outcome) => outcome.landed)).toEqual([1, 1, 1, 1, 4])
          const runs = yield* account.listInstances({ offset: 0, page_size: 10, agent_id: agent.id })
          expect(runs.items).toHaveLength(1)
          const timeline = yield* account.getTimeline(runs.items[0]?.id ?? Ids.InstanceId.make("", true))
          expect(timeline.instance).toMatchObject({
            status: "complete",
            started_at: DateTime.unsafeMake(Number(base / ms)),
            finished_at: DateTime.unsafeMake(Number(base / ms) + 1000),
            span_counts: { total: 4, complete: 4 }
          })
          expect(timeline.spans.map(({ depth, span: recorded }) => [recorded.payload["name"], depth])).toEqual([
            ["step 1", 0],
            ["step 2", 1],
            ["step 3", 2],
            ["step 4", 1]
          ])
        })))

    it("refuses on its own a span outside its finished run's time, and lands the rest of its export", () =>
      run((account) =>
        Effect.gen(function*() {
          const { session } = yield* deployed(account)
          yield* Ingest.ingest(session, Plan.plan(request(root)))
          const outcome = yield* Ingest.ingest(session, Plan.plan(request(span(5, 1, 900, 1500), span(6, 1, 100, 200))))
          expect(outcome.landed).toBe(1)
          expect(outcome.refused).toEqual([{ spanId: "0000000000000005", reason: expect.stringMatching(/reported after it completed on agent_instance .*: it is complete/) }])
        })))

    it("keeps taking a terminated run's spans, its root's end included, and leaves the run terminated", () =>
      run((account) =>
        Effect.gen(function*() {
          const { agent, session } = yield* deployed(account)
          yield* Ingest.ingest(session, Plan.plan(request(grandchild)))
          const [stopped] = (yield* account.listInstances({ offset: 0, page_size: 10, agent_id: agent.id })).items
          if (stopped === undefined) return yield* Effect.dieMessage("the first export registers the run")
          yield* account.terminateRun(stopped.id, { reason: "stopped by a reviewer" })
          const outcome = yield* Ingest.ingest(session, Plan.plan(request(child, root, late)))
          expect(outcome).toEqual({ landed: 3, refused: [], warnings: [] })
          expect(yield* account.getInstance(stopped.id)).toMatchObject({
            status: "terminated",
            termination_reason: "stopped by a reviewer",
            span_counts: { total: 4, complete: 4 }
          })
        })))

    it("registers the run on the version its deployment points at, and on the trace's own version when it points at none", () =>
      run((account) =>
        Effect.gen(function*() {
          const { agent, deployment, session } = yield* deployed(account)
          yield* Ingest.ingest(session, Plan.plan(request(span(7, null, 0, 10))))
          const first = (yield* account.listInstances({ offset: 0, page_size: 10, agent_id: agent.id })).items[0]
          const otelVersion = yield* account.getVersion(first?.agent_version_id ?? Ids.AgentVersionId.make("", true))
          expect(otelVersion.external_identifier).toBe("otel")
          // A Prefactor SDK's run moves the deployment to a version of its own.
          const sdkRun = yield* session.registerRun({
            agent_version: { external_identifier: "sdk-1.0" },
            agent_schema_version: { span_schemas: { "gen_ai.chat": { type: "object" } } },
            update_current_version: true,
            purpose: "live"
          })
          expect((yield* account.getDeployment(deployment.id)).deployment.current_version_id).toBe(sdkRun.agent_version_id)
          const otherTrace = { ...span(8, null, 0, 10), traceId: "1bf7651916cd43dd8448eb211c80319c" }
          yield* Ingest.ingest(session, Plan.plan(request(otherTrace)))
          const runs = (yield* account.listInstances({ offset: 0, page_size: 10, agent_id: agent.id })).items
          expect(runs.filter((r) => r.agent_version_id === sdkRun.agent_version_id)).toHaveLength(2)
        })))
  })

onStore("in-memory store", () => MemoryStore.layer)
onStore("PGlite store", () => PgStore.layerPglite())
