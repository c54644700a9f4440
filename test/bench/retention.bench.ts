/**
 * Retention (issue 16's target), on a real PostgreSQL server this bench starts with its
 * durability settings on: deleting the runs of 100,000 spans by the retention job
 * (`Ledger.sweepRetention`, its default units of 500 runs: a locked choice, then one statement
 * deleting spans, runs and their idempotency records, and the pass's audit event) ≤ 2 × a raw
 * `DELETE` of the same rows (the spans, then the runs, in one transaction) in the same run.
 *
 * Two accounts hold identical data, seeded through the ledger: runs with realistic payloads,
 * finished ten days ago. One is swept by retention (its policy keeps runs a day), the other
 * deleted by hand; then the order swaps on two fresh accounts, and the ratio is the median of
 * the rounds'. Two shapes: 1,000 runs of 100 spans, and 10,000 runs of 10.
 */
import { Ids, Ledger, LedgerLive, type LedgerSession } from "@agentledger/domain"
import { PgStore } from "@agentledger/store-postgres"
import { runCommand } from "@agentledger/testkit/core"
import { startPostgres } from "@agentledger/testkit/postgres"
import { Context, DateTime, Effect, Exit, Layer, Redacted, Scope } from "effect"
import pg from "pg"
import { formatInt, formatNs, formatRatio, printTable, type Verdict } from "./harness.js"

interface Shape {
  readonly runs: number
  readonly spansPerRun: number
}

const shapes: ReadonlyArray<Shape> = [{ runs: 1000, spansPerRun: 100 }, { runs: 10_000, spansPerRun: 10 }]

const rounds = 2

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] ?? Number.NaN : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2
}

const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9

const tenDaysAgo = () => DateTime.unsafeMake(Date.now() - 10 * 86_400_000)

/** An account holding `shape`: its runs finished ten days ago, each with its spans. */
const seed = (ledger: Context.Tag.Service<Ledger>, name: string, shape: Shape) =>
  Effect.gen(function*() {
    const created = yield* ledger.createAccount({ name })
    const session: LedgerSession = yield* ledger.authenticate(created.secret)
    const environment = (yield* session.listEnvironments({ offset: 0, page_size: 10 })).items[0]
    if (environment === undefined) return yield* Effect.dieMessage("a new account has no environment")
    const agent = yield* session.createAgent({ name: "bench agent" })
    // Runs in groups whose spans make one batch of at most 1,000 (a batch may span runs).
    const perGroup = Math.max(1, Math.floor(1000 / shape.spansPerRun))
    yield* Effect.forEach(Array.from({ length: Math.ceil(shape.runs / perGroup) }, (_, g) => g), (g) =>
      Effect.gen(function*() {
        const size = Math.min(perGroup, shape.runs - g * perGroup)
        const runs = yield* Effect.forEach(Array.from({ length: size }), () => session.registerRun(runCommand(agent.id, environment.id)))
        yield* session.recordSpans(runs.flatMap((run, r) =>
          Array.from({ length: shape.spansPerRun }, (_, i) => ({
            agent_instance_id: run.id,
            schema_name: "llm",
            status: "complete" as const,
            payload: { prompt: `Where is order ${g}-${r}-${i}? It was due on Tuesday.`, metadata: { model: "gpt-x", temperature: 0.2 } },
            result_payload: { text: `Order ${g}-${r}-${i} shipped yesterday.`, token_usage: { prompt_tokens: 42, completion_tokens: 9 } }
          }))
        ))
        yield* Effect.forEach(runs, (run) => session.finishRun(run.id, { status: "complete", timestamp: tenDaysAgo() }), { discard: true })
      }), { concurrency: 8, discard: true })
    return { session, account: created.account.id }
  })

/** The raw baseline: the same rows, deleted by hand in one transaction. */
const rawDelete = async (client: pg.Client, account: Ids.AccountId, cutoff: Date) => {
  await client.query("BEGIN")
  const spans = await client.query(
    `DELETE FROM agent_spans WHERE account_id = $1 AND agent_instance_id IN
       (SELECT id FROM agent_instances WHERE account_id = $1 AND finished_at < $2)`,
    [account, cutoff]
  )
  const runs = await client.query("DELETE FROM agent_instances WHERE account_id = $1 AND finished_at < $2", [account, cutoff])
  await client.query("COMMIT")
  return { runs: runs.rowCount ?? 0, spans: spans.rowCount ?? 0 }
}

export const runRetentionBench = async (): Promise<ReadonlyArray<Verdict>> => {
  const server = await startPostgres({ durable: process.env["AGENTLEDGER_BENCH_DURABLE"] !== "0" })
  const scope = Effect.runSync(Scope.make())
  const client = new pg.Client({ connectionString: server.url })
  try {
    const context = await Effect.runPromise(Layer.buildWithScope(
      LedgerLive.layer.pipe(Layer.provide(PgStore.layerPg({ url: Redacted.make(server.url), maxConnections: 8 })), Layer.provide(Ids.IdEntropy.Live)),
      scope
    ))
    const ledger = Context.get(context, Ledger)
    await client.connect()
    const results: Array<{ readonly shape: Shape; readonly retention: number; readonly raw: number; readonly ratio: number; readonly seedS: number }> = []
    for (const shape of shapes) {
      const retentionTimes: Array<number> = []
      const rawTimes: Array<number> = []
      const ratios: Array<number> = []
      let seedS = 0
      for (let round = 0; round < rounds; round++) {
        const seeding = process.hrtime.bigint()
        const swept = await Effect.runPromise(seed(ledger, `retention ${shape.runs} ${round}`, shape))
        const raw = await Effect.runPromise(seed(ledger, `raw ${shape.runs} ${round}`, shape))
        seedS += seconds(seeding)
        await Effect.runPromise(swept.session.updateRetentionPolicy({ run_days: 1 }))
        await client.query("ANALYZE")
        await client.query("CHECKPOINT")
        const sweep = async () => {
          const start = process.hrtime.bigint()
          const pass = await Effect.runPromise(ledger.sweepRetention())
          const took = seconds(start)
          const mine = pass.accounts.find((a) => a.account_id === swept.account)
          if (mine?.runs !== shape.runs || mine.spans !== shape.runs * shape.spansPerRun) throw new Error(`retention deleted ${JSON.stringify(mine)}`)
          return took
        }
        const byHand = async () => {
          const start = process.hrtime.bigint()
          const deleted = await rawDelete(client, raw.account, new Date(Date.now() - 86_400_000))
          const took = seconds(start)
          if (deleted.runs !== shape.runs || deleted.spans !== shape.runs * shape.spansPerRun) throw new Error(`the raw DELETE deleted ${JSON.stringify(deleted)}`)
          return took
        }
        let retentionS: number
        let rawS: number
        if (round % 2 === 0) {
          retentionS = await sweep()
          await client.query("CHECKPOINT")
          rawS = await byHand()
        } else {
          rawS = await byHand()
          await client.query("CHECKPOINT")
          retentionS = await sweep()
        }
        console.log(`${formatInt(shape.runs)} runs × ${shape.spansPerRun} spans, round ${round + 1} (${round % 2 === 0 ? "retention first" : "raw first"}): ` +
          `raw ${formatNs(rawS * 1e9)}, retention ${formatNs(retentionS * 1e9)}, ${formatRatio(retentionS / rawS)}`)
        retentionTimes.push(retentionS)
        rawTimes.push(rawS)
        ratios.push(retentionS / rawS)
      }
      results.push({ shape, retention: median(retentionTimes), raw: median(rawTimes), ratio: median(ratios), seedS })
    }
    printTable(
      ["deleting 100,000 spans' runs, PostgreSQL", "raw DELETE (baseline)", "retention sweep", "sweep ÷ raw (median of rounds)", "seeding (all rounds)"],
      results.map((r) => [
        `${formatInt(r.shape.runs)} runs × ${r.shape.spansPerRun} spans`,
        formatNs(r.raw * 1e9),
        formatNs(r.retention * 1e9),
        formatRatio(r.ratio),
        `${r.seedS.toFixed(0)} s`
      ])
    )
    const worst = Math.max(...results.map((r) => r.ratio))
    return [{
      module: "retention",
      target: "deleting 100,000 spans' runs by retention ≤ 2 × a raw DELETE of the same rows (PostgreSQL)",
      measured: results.map((r) => `${formatRatio(r.ratio)} (${formatInt(r.shape.runs)} runs × ${r.shape.spansPerRun})`).join(", "),
      pass: worst <= 2
    }]
  } finally {
    await client.end().catch(() => undefined)
    await Effect.runPromise(Scope.close(scope, Exit.void))
    server.stop()
  }
}
