/**
 * The in-memory Ledger, end to end (issue 3's targets):
 *
 * - A run — register, start, 100 spans with nested parents, finish — through the Ledger on
 *   store-memory: ≥ 200,000 spans/s. Measured with the batch call (`recordSpans`, one unit of
 *   work for the run's spans, as bulk ingest does) and, for comparison, one call per span.
 * - The per-span cost in a 10,000-span run is ≤ 1.5× that in a 10-span run (no rescans, no
 *   quadratic lists): the time of the span calls only, runs of both sizes interleaved.
 *
 * A run's inputs (its client-chosen instance id and its 100 spans with client-chosen ids, so
 * that children can name parents in the same call) are built before the timer starts: the
 * figure is the Ledger's work, not the bench's.
 *
 * The in-memory store never suspends, so every Ledger call runs synchronously (`runSync`).
 */
import { type Commands, type Environment, Ids, Ledger, LedgerLive, type LedgerSession, type Span } from "@agentledger/domain"
import { MemoryStore } from "@agentledger/store-memory"
import { Context, Effect, Layer, Scope } from "effect"
import { formatInt, formatNs, formatRatio, measure, printResults, printTable, ratio, type Verdict } from "./harness.js"

const setup = () => {
  const scope = Effect.runSync(Scope.make())
  const context = Effect.runSync(
    Layer.buildWithScope(LedgerLive.layer.pipe(Layer.provide(MemoryStore.layer), Layer.provide(Ids.IdEntropy.Live)), scope)
  )
  const ledger = Context.get(context, Ledger)
  return Effect.runSync(Effect.gen(function*() {
    const created = yield* ledger.createAccount({ name: "Bench" })
    const session = yield* ledger.authenticate(created.secret)
    const agent = yield* session.createAgent({ name: "bench agent" })
    const environments = yield* session.listEnvironments({ offset: 0, page_size: 10 })
    const production = environments.items.find((e: Environment.Environment) => e.name === "production")
    if (production === undefined) return yield* Effect.dieMessage("no production environment")
    return { session, agent, environment: production, partition: Ids.partitionOf(created.account.id) }
  }))
}

type Fixture = ReturnType<typeof setup>

const register = (f: Fixture) =>
  f.session.registerRun({ agent_id: f.agent.id, environment_id: f.environment.id, update_current_version: true, purpose: "live" })

/** 100 spans: ten `agent` roots each with nine `tool` children, parents named by client ids. */
const nestedBatch = (f: Fixture, instance: Ids.InstanceId, entropy: Ids.Entropy): ReadonlyArray<Commands.CreateSpan> => {
  const now = Date.now()
  const out: Array<Commands.CreateSpan> = []
  let parent: Ids.SpanId | null = null
  for (let i = 0; i < 100; i++) {
    const id = Ids.mintAt(Ids.SpanId, f.partition, now, entropy)
    const root = i % 10 === 0
    out.push({
      agent_instance_id: instance,
      id,
      parent_span_id: root ? null : parent,
      schema_name: root ? "agent" : "tool",
      status: "complete",
      payload: { step: i, input: "look up the order" },
      result_payload: { ok: true }
    })
    if (root) parent = id
  }
  return out
}

/** A run's inputs, built before the timer starts: what a client has in hand when it reports. */
interface PreparedRun {
  readonly id: Ids.InstanceId
  readonly spans: ReadonlyArray<Commands.CreateSpan>
}

const prepareRun = (f: Fixture, entropy: Ids.Entropy): PreparedRun => {
  const id = Ids.mintAt(Ids.InstanceId, f.partition, Date.now(), entropy)
  return { id, spans: nestedBatch(f, id, entropy) }
}

const runBatched = (f: Fixture, run: PreparedRun): number =>
  Effect.runSync(Effect.gen(function*() {
    const registered = yield* f.session.registerRun({
      id: run.id,
      agent_id: f.agent.id,
      environment_id: f.environment.id,
      update_current_version: true,
      purpose: "live"
    })
    yield* f.session.startRun(registered.id, {})
    const spans = yield* f.session.recordSpans(run.spans)
    const done = yield* f.session.finishRun(registered.id, { status: "complete" })
    return spans.length + done.span_counts.total
  }))

const runPerCall = (f: Fixture, spans: number): number =>
  Effect.runSync(Effect.gen(function*() {
    const run = yield* register(f)
    yield* f.session.startRun(run.id, {})
    let parent: Ids.SpanId | null = null
    for (let i = 0; i < spans; i++) {
      const root = i % 10 === 0
      const span: Span.Span = yield* f.session.recordSpan({
        agent_instance_id: run.id,
        parent_span_id: root ? null : parent,
        schema_name: root ? "agent" : "tool",
        status: "complete",
        payload: { step: i },
        result_payload: { ok: true }
      })
      if (root) parent = span.id
    }
    return (yield* f.session.finishRun(run.id, { status: "complete" })).span_counts.total
  }))

/** Nanoseconds per span of the span calls only, in runs of `size` spans, `total` spans in all. */
const spanCallCost = (f: Fixture, session: LedgerSession, size: number, total: number): number => {
  let elapsed = 0n
  let recorded = 0
  while (recorded < total) {
    const run = Effect.runSync(register(f))
    Effect.runSync(session.startRun(run.id, {}))
    const start = process.hrtime.bigint()
    let parent: Ids.SpanId | null = null
    for (let i = 0; i < size && recorded < total; i++, recorded++) {
      const span: Span.Span = Effect.runSync(session.recordSpan({
        agent_instance_id: run.id,
        parent_span_id: i % 10 === 0 ? null : parent,
        schema_name: "tool",
        status: "complete",
        payload: { step: i },
        result_payload: { ok: true }
      }))
      if (i % 10 === 0) parent = span.id
    }
    elapsed += process.hrtime.bigint() - start
  }
  return Number(elapsed) / total
}

export const runLedgerBench = async (): Promise<ReadonlyArray<Verdict>> => {
  console.log("\n## In-memory Ledger (store-memory)\n")
  const f = setup()
  const entropy = Effect.runSync(Effect.provide(Ids.IdEntropy, Ids.IdEntropy.Live))
  // Warm the schema version, version and deployment of the agent.
  runBatched(f, prepareRun(f, entropy))

  let prepared: Array<PreparedRun> = []
  const [batched, perCall] = measure([
    {
      name: "run of 100 nested spans, one recordSpans call",
      prepare: (n) => {
        prepared = Array.from({ length: n }, () => prepareRun(f, entropy))
      },
      fn: (n) => {
        let s = 0
        for (let i = 0; i < n; i++) {
          const run = prepared[i]
          if (run !== undefined) s += runBatched(f, run)
        }
        return s
      }
    },
    { name: "run of 100 nested spans, one recordSpan call per span", fn: (n) => { let s = 0; for (let i = 0; i < n; i++) s += runPerCall(f, 100); return s } }
  ], { samples: 11 })
  if (batched === undefined || perCall === undefined) throw new Error("missing results")
  printResults([batched, perCall])
  const batchedSpans = batched.opsPerSec * 100
  const perCallSpans = perCall.opsPerSec * 100
  console.log(`\nspans/s: batch ${formatInt(batchedSpans)}, one call per span ${formatInt(perCallSpans)} (${formatRatio(ratio(perCall, batched))} the batch's time per run)`)

  // Per-span cost by run size: interleave the two sizes in rounds, keep each round's ratio.
  const rounds = 7
  const small: Array<number> = []
  const large: Array<number> = []
  spanCallCost(f, f.session, 10, 10_000)
  spanCallCost(f, f.session, 10_000, 10_000)
  for (let round = 0; round < rounds; round++) {
    small.push(spanCallCost(f, f.session, 10, 10_000))
    large.push(spanCallCost(f, f.session, 10_000, 10_000))
  }
  const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN
  const roundRatios = large.map((value, i) => value / (small[i] ?? NaN))
  const growth = median(roundRatios)
  printTable(["span calls in", "time/span (median of rounds)"], [
    ["runs of 10 spans", formatNs(median(small))],
    ["a run of 10,000 spans", formatNs(median(large))]
  ])
  console.log(`per-span cost, 10,000-span run ÷ 10-span run: ${formatRatio(growth)} (median of ${rounds} paired rounds)`)

  return [
    {
      module: "ledger",
      target: "in-memory run (register, start, 100 nested spans, finish) ≥ 200,000 spans/s",
      measured: `${formatInt(batchedSpans)} spans/s with one recordSpans call (${formatInt(perCallSpans)} spans/s with one call per span)`,
      pass: batchedSpans >= 200_000
    },
    {
      module: "ledger",
      target: "per-span cost in a 10,000-span run ≤ 1.5× that in a 10-span run",
      measured: `${formatRatio(growth)} (${formatNs(median(large))} vs ${formatNs(median(small))} per span call)`,
      pass: growth <= 1.5
    }
  ]
}
