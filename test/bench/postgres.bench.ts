/**
 * store-postgres (issue 4's targets), on a real PostgreSQL server this bench starts with its
 * durability settings on (fsync, synchronous commit), and on embedded PGlite:
 *
 * - Span ingest through the adapter (`recordSpans`, batches of 100: one unit of work, one
 *   multi-row INSERT) ≥ 0.8 × a raw `pg` multi-row INSERT of the same rows into the same table
 *   on the same server, measured in alternating rounds; and ≥ 20,000 spans/s absolute.
 *   PGlite's figure beside it.
 * - The timeline of a 10,000-span instance read on PostgreSQL, timed for the record; its target
 *   is in timeline.bench.ts, against the driver's own read of the same rows instead of a fixed time.
 */
import { type Commands, Ids, Ledger, LedgerLive, type LedgerSession, type LedgerStore, type Span } from "@agentledger/domain"
import { PgStore } from "@agentledger/store-postgres"
import { startPostgres } from "@agentledger/testkit/postgres"
import { Context, DateTime, Effect, Exit, Layer, Redacted, Scope } from "effect"
import pg from "pg"
import { formatInt, formatNs, formatRatio, printTable, type Verdict } from "./harness.js"

/** The batch sizes measured; the target is judged at the first. */
const batchSizes = [100, 500] as const

interface Fixture {
  readonly session: LedgerSession
  readonly partition: Ids.Partition
  readonly agent: Ids.AgentId
  readonly environment: Ids.EnvironmentId
  readonly close: () => Promise<void>
}

const fixture = async (store: Layer.Layer<LedgerStore>): Promise<Fixture> => {
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(
    Layer.buildWithScope(LedgerLive.layer.pipe(Layer.provide(store), Layer.provide(Ids.IdEntropy.Live)), scope)
  )
  const ledger = Context.get(context, Ledger)
  return Effect.runPromise(Effect.gen(function*() {
    const created = yield* ledger.createAccount({ name: "Bench" })
    const session = yield* ledger.authenticate(created.secret)
    const agent = yield* session.createAgent({ name: "bench agent" })
    const environments = yield* session.listEnvironments({ offset: 0, page_size: 10 })
    const environment = environments.items[0]
    if (environment === undefined) return yield* Effect.dieMessage("no environment")
    return {
      session,
      partition: Ids.partitionOf(created.account.id),
      agent: agent.id,
      environment: environment.id,
      close: () => Effect.runPromise(Scope.close(scope, Exit.void))
    }
  }))
}

const newRun = (f: Fixture) =>
  Effect.runPromise(Effect.gen(function*() {
    const run = yield* f.session.registerRun({ agent_id: f.agent, environment_id: f.environment, update_current_version: true, purpose: "live" })
    return yield* f.session.startRun(run.id, {})
  }))

const entropy = Effect.runSync(Effect.provide(Ids.IdEntropy, Ids.IdEntropy.Live))

/** A realistic LLM-call span: a prompt in, a completion and token counts out. */
const payloadOf = (i: number) => ({
  span_id: `local-${i}`,
  name: "chat completion",
  inputs: { messages: [{ role: "user", content: `Where is order ${i}? It was due on Tuesday.` }] },
  metadata: { model: "gpt-x", temperature: 0.2 }
})
const resultOf = (i: number) => ({ outputs: { text: `Order ${i} shipped yesterday.` }, token_usage: { prompt_tokens: 42, completion_tokens: 9 } })

/**
 * A batch of spans. Stamped by the ledger, a batch's spans share their times; `ownTimes` gives
 * each its own start and end, as an SDK reporting steps as they happen does.
 */
const batchFor = (instance: Ids.InstanceId, batchSize: number, ownTimes = false): ReadonlyArray<Commands.CreateSpan> => {
  const base = Date.now()
  return Array.from({ length: batchSize }, (_, i) => ({
    agent_instance_id: instance,
    schema_name: "llm",
    status: "complete" as const,
    payload: payloadOf(i),
    result_payload: resultOf(i),
    ...(ownTimes ? { started_at: DateTime.unsafeMake(base + 7 * i), finished_at: DateTime.unsafeMake(base + 7 * i + 5) } : {})
  }))
}

/** The same rows the adapter writes, for the raw baseline: built per batch, like the adapter does. */
const rawRows = (
  f: Fixture,
  instance: { readonly id: Ids.InstanceId; readonly agent_id: Ids.AgentId },
  from: number,
  batchSize: number
) => {
  const now = DateTime.unsafeNow()
  const rows: Array<Span.Span> = []
  for (let i = 0; i < batchSize; i++) {
    rows.push({
      id: Ids.mintAt(Ids.SpanId, f.partition, Date.now(), entropy),
      account_id: f.session.principal.account_id,
      agent_id: instance.agent_id,
      agent_instance_id: instance.id,
      parent_span_id: null,
      schema_name: "llm",
      schema_title: "llm",
      status: "complete",
      payload: payloadOf(i),
      result_payload: resultOf(i),
      sensitive_encoding: null,
      summary: null,
      started_at: now,
      finished_at: now,
      conformance: { payload: "undeclared_type", result: "undeclared_type", errors: [] },
      risk_points: 0,
      sequence: from + i,
      inserted_at: now,
      updated_at: now
    })
  }
  return rows
}

const columns = [
  "account_id", "id", "agent_id", "agent_instance_id", "parent_span_id", "schema_name", "schema_title", "status",
  "payload", "result_payload", "summary", "started_at", "finished_at", "conformance", "risk_points", "sequence",
  "inserted_at", "updated_at"
] as const

const rawValues = (span: Span.Span): ReadonlyArray<unknown> => [
  span.account_id, span.id, span.agent_id, span.agent_instance_id, span.parent_span_id, span.schema_name, span.schema_title,
  span.status, JSON.stringify(span.payload), span.result_payload === null ? null : JSON.stringify(span.result_payload),
  span.summary, DateTime.toDateUtc(span.started_at), span.finished_at === null ? null : DateTime.toDateUtc(span.finished_at),
  JSON.stringify(span.conformance), span.risk_points, span.sequence, DateTime.toDateUtc(span.inserted_at),
  DateTime.toDateUtc(span.updated_at)
]

const rawInsert = async (client: pg.Client, rows: ReadonlyArray<Span.Span>) => {
  const params: Array<unknown> = []
  const tuples: Array<string> = []
  for (const row of rows) {
    const values = rawValues(row)
    tuples.push(`(${values.map((_, i) => `$${params.length + i + 1}`).join(", ")})`)
    params.push(...values)
  }
  await client.query(`INSERT INTO agent_spans (${columns.join(", ")}) VALUES ${tuples.join(", ")}`, params)
}

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN
const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9

/** Spans/s of the adapter in one round of `batches` batches. */
const adapterRound = async (f: Fixture, instance: Ids.InstanceId, batches: number, batchSize: number) => {
  const start = process.hrtime.bigint()
  for (let b = 0; b < batches; b++) await Effect.runPromise(f.session.recordSpans(batchFor(instance, batchSize)))
  return (batches * batchSize) / seconds(start)
}

export const runPostgresBench = async (): Promise<ReadonlyArray<Verdict>> => {
  console.log("\n## store-postgres: span ingest and timeline\n")
  const server = await startPostgres({ durable: process.env["AGENTLEDGER_BENCH_DURABLE"] !== "0" })
  try {
    const f = await fixture(PgStore.layerPg({ url: Redacted.make(server.url), maxConnections: 4 }))
    const client = new pg.Client({ connectionString: server.url })
    await client.connect()
    try {
      let sequence = 1_000_000
      const rounds = 9
      const ingest: Array<{ readonly size: number; readonly adapter: number; readonly raw: number; readonly ratio: number }> = []
      for (const size of batchSizes) {
        const adapterRun = await newRun(f)
        const rawRun = await newRun(f)
        const rawRound = async (batches: number) => {
          const start = process.hrtime.bigint()
          for (let b = 0; b < batches; b++) {
            await rawInsert(client, rawRows(f, rawRun, sequence, size))
            sequence += size
          }
          return (batches * size) / seconds(start)
        }
        // Warm both paths (connections, plans, the run context cache).
        await adapterRound(f, adapterRun.id, 3, size)
        await rawRound(3)
        const batchesPerRound = Math.max(4, 2000 / size)
        const adapter: Array<number> = []
        const raw: Array<number> = []
        for (let round = 0; round < rounds; round++) {
          raw.push(await rawRound(batchesPerRound))
          adapter.push(await adapterRound(f, adapterRun.id, batchesPerRound, size))
        }
        ingest.push({ size, adapter: median(adapter), raw: median(raw), ratio: median(adapter.map((a, i) => a / (raw[i] ?? Number.NaN))) })
      }
      const first = ingest[0]
      if (first === undefined) throw new Error("no ingest figures")

      // PGlite, embedded and in memory: the adapter alone (there is no raw pg client to compare).
      const lite = await fixture(PgStore.layerPglite())
      const liteRun = await newRun(lite)
      await adapterRound(lite, liteRun.id, 3, first.size)
      const liteRates: Array<number> = []
      for (let round = 0; round < 5; round++) liteRates.push(await adapterRound(lite, liteRun.id, 10, first.size))
      const liteRate = median(liteRates)
      await lite.close()

      printTable(["ingest", "raw pg multi-row INSERT (baseline)", "store-postgres (recordSpans)", "adapter ÷ raw (median of paired rounds)"],
        ingest.map((row) => [`batches of ${row.size} spans`, `${formatInt(row.raw)} spans/s`, `${formatInt(row.adapter)} spans/s`, formatRatio(row.ratio)]))
      console.log(`store-postgres on PGlite (in memory, batches of ${first.size}): ${formatInt(liteRate)} spans/s`)

      // The timeline of a 10,000-span run: spans stamped by the ledger, then spans with their own times.
      const timelineOf = async (ownTimes: boolean) => {
        const big = await newRun(f)
        for (let b = 0; b < 10_000 / first.size; b++) {
          await Effect.runPromise(f.session.recordSpans(batchFor(big.id, first.size, ownTimes)))
        }
        const reads: Array<number> = []
        let spans = 0
        for (let i = 0; i < 11; i++) {
          const start = process.hrtime.bigint()
          const timeline = await Effect.runPromise(f.session.getTimeline(big.id))
          reads.push(seconds(start) * 1e9)
          spans = timeline.spans.length
        }
        return { ns: median(reads), spans }
      }
      const stamped = await timelineOf(false)
      const timed = await timelineOf(true)
      printTable(["timeline read, PostgreSQL", "time (median of 11)"], [
        [`${formatInt(stamped.spans)} spans, batches stamped by the ledger`, formatNs(stamped.ns)],
        [`${formatInt(timed.spans)} spans, each with its own times`, formatNs(timed.ns)]
      ])
      await f.close()
      return [
        {
          module: "postgres",
          target: `span ingest through the adapter ≥ 0.8 × raw pg multi-row INSERT (batches of ${first.size})`,
          measured: ingest.map((row) => `${formatRatio(row.ratio)} at ${row.size}`).join(", "),
          pass: first.ratio >= 0.8
        },
        {
          module: "postgres",
          target: `span ingest ≥ 20,000 spans/s on PostgreSQL (batches of ${first.size}; PGlite beside it)`,
          measured: `${ingest.map((row) => `${formatInt(row.adapter)} at ${row.size}`).join(", ")} spans/s; PGlite ${formatInt(liteRate)}`,
          pass: first.adapter >= 20_000
        }
      ]
    } finally {
      await client.end()
    }
  } finally {
    server.stop()
  }
}
