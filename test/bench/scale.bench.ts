/**
 * Scaling out (issue 13): span creates per second of `serve --workers 1` against
 * `serve --workers 2`, both real processes started as a user starts them, from the sources
 * (`apps/server/src/main.ts`, `test/support/sources.ts`), on one PostgreSQL server this bench
 * starts (durability on, as in http.bench; `AGENTLEDGER_BENCH_DURABLE=0` turns it off), each
 * cluster in a database of its own. Every worker's pool holds 4 connections (`--db-pool-size
 * 4`), so two workers may use 8; each process logs every request, as `serve` does, to a file.
 *
 * Besides the rates: how the primary dealt the connections out (spans answered per worker, from
 * the workers' logs), the CPU each configuration spent per span (its processes, and PostgreSQL's,
 * from `/proc`), and the writes that found their run changed by another process (transactions
 * rolled back in the cluster's database).
 *
 * The load comes from a process of its own (`load.ts`): a closed loop of 16 keep-alive
 * connections (`AGENTLEDGER_BENCH_SCALE_CONNECTIONS`) spread over 8 started runs of one agent
 * (`AGENTLEDGER_BENCH_SCALE_RUNS`: two connections per run, so a run's spans also race across
 * workers, as an SDK's do), each connection sending its next span when the last is answered.
 * The two clusters run side by side and take turns, round by round (`AGENTLEDGER_BENCH_SCALE_ROUNDS`,
 * 3, of `AGENTLEDGER_BENCH_SCALE_MS`, 3000 ms); the ratio is the median of the per-round ratios.
 *
 * Target: two workers ≥ 1.6 × one worker's span creates/s. On a machine with fewer cores than
 * workers + PostgreSQL + the load, the cores, not the design, set the ratio: say so with it.
 */
import { startPostgres } from "@agentledger/testkit/postgres"
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { cpus, tmpdir } from "node:os"
import { join } from "node:path"
import pg from "pg"
import { answeredByPid, listening, occurrences, type Run, serve } from "../support/serveProcess.js"
import { formatInt, formatRatio, printTable, type Verdict } from "./harness.js"
import { checked, type LoadResult, median, ms, percentile, pooled, rateOf, setUp, startLoad, type Target } from "./load.js"

const knob = (name: string, fallback: number) => Number(process.env[`AGENTLEDGER_BENCH_SCALE_${name}`] ?? String(fallback))

const token = `pf_${"s".repeat(43)}`

/** A cluster of `workers`, once every worker listens. */
const startCluster = async (workers: number, databaseUrl: string, logFile: string): Promise<{ readonly url: string; readonly served: Run }> => {
  const served = serve(["--workers", String(workers), "--db-pool-size", "4"], { DATABASE_URL: databaseUrl, AGENTLEDGER_BOOTSTRAP_TOKEN: token }, {
    logFile
  })
  const url = await listening(served)
  for (let waited = 0; occurrences(served, "Listening on") < workers; waited += 200) {
    if (waited > 180_000 || served.child.exitCode !== null) throw new Error(`the ${workers}-worker cluster did not start:\n${served.stdout().slice(-3000)}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return { url, served }
}

/**
 * CPU seconds used so far by `root` and every process under it (Linux `/proc`; undefined
 * elsewhere): where the work of a span goes, per span, in each configuration.
 */
const treeCpuSeconds = (root: number | undefined): number | undefined => {
  if (root === undefined) return undefined
  try {
    const processes = new Map<number, { readonly parent: number; readonly seconds: number }>()
    for (const name of readdirSync("/proc")) {
      if (!/^\d+$/.test(name)) continue
      try {
        const stat = readFileSync(`/proc/${name}/stat`, "utf8")
        // After the command's closing parenthesis: state, ppid, … utime and stime (fields 14, 15).
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
        processes.set(Number(name), { parent: Number(fields[1]), seconds: (Number(fields[11]) + Number(fields[12])) / 100 })
      } catch {
        // Gone between the listing and the read.
      }
    }
    let total = 0
    const pending = [root]
    for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
      total += processes.get(pid)?.seconds ?? 0
      for (const [child, entry] of processes) if (entry.parent === pid) pending.push(child)
    }
    return total
  } catch {
    return undefined
  }
}

const stopCluster = async (served: Run) => {
  if (served.child.exitCode !== null) return
  served.child.kill("SIGTERM")
  await served.exited
}

export const runScaleBench = async (): Promise<ReadonlyArray<Verdict>> => {
  console.log("\n## Scale-out: serve --workers 2 against --workers 1 on one PostgreSQL\n")
  const rounds = knob("ROUNDS", 3)
  const durationMs = knob("MS", 3000)
  const connections = knob("CONNECTIONS", 16)
  const runs = knob("RUNS", 8)
  const sizes = [1, 2] as const

  const database = await startPostgres({ durable: process.env["AGENTLEDGER_BENCH_DURABLE"] !== "0" })
  const logs = mkdtempSync(join(tmpdir(), "agentledger-scale-bench-"))
  const admin = new pg.Client({ connectionString: database.url })
  const cleanups: Array<() => Promise<void>> = [async () => database.stop(), async () => rmSync(logs, { recursive: true, force: true })]
  try {
    await admin.connect()
    cleanups.push(() => admin.end())
    // A database per cluster, so PostgreSQL's statistics tell their writes apart.
    const databaseOf = (workers: number) => `workers_${workers}`
    for (const workers of sizes) await admin.query(`CREATE DATABASE ${databaseOf(workers)}`)
    /** Transactions rolled back in a cluster's database: on the span path, writes that found their run changed. */
    const rolledBack = async (workers: number) =>
      Number((await admin.query("SELECT xact_rollback::int AS n FROM pg_stat_database WHERE datname = $1", [databaseOf(workers)])).rows[0]?.n ?? 0)
    const clusters = await Promise.all(sizes.map(async (workers) => {
      const cluster = await startCluster(workers, database.urlOf(databaseOf(workers)), join(logs, `workers-${workers}.log`))
      cleanups.push(() => stopCluster(cluster.served))
      return cluster
    }))
    const load = await startLoad()
    cleanups.push(load.close)

    const targets: Array<Target> = []
    for (const [i, workers] of sizes.entries()) {
      const url = clusters[i]?.url ?? ""
      const set = await setUp({ url, secret: token }, `scale bench agent, ${workers} worker(s)`, runs)
      targets.push({ name: `serve --workers ${workers}`, url, token: set.token, instances: set.runs.map((run) => run.id) })
    }

    const rollbacksBefore = await Promise.all(sizes.map(rolledBack))
    const postmaster = Number(readFileSync(join(database.dataDir, "postmaster.pid"), "utf8").split("\n")[0])
    const results: Array<Array<LoadResult>> = targets.map(() => [])
    /** Per target and round: CPU milliseconds per span answered, of the cluster and of PostgreSQL. */
    const costs: Array<Array<{ readonly server: number; readonly database: number }>> = targets.map(() => [])
    for (let round = 0; round < rounds; round++) {
      for (const [t, target] of targets.entries()) {
        const pid = clusters[t]?.served.child.pid
        const before = [treeCpuSeconds(pid), treeCpuSeconds(postmaster)]
        const result = await load.run({
          url: target.url,
          token: target.token,
          instances: target.instances,
          mode: "closed",
          concurrency: connections,
          rate: 0,
          warmupMs: round === 0 ? 1500 : 500,
          durationMs
        })
        results[t]?.push(checked(target, result))
        const [server, database] = [treeCpuSeconds(pid), treeCpuSeconds(postmaster)].map((after, i) => {
          const start = before[i]
          // The warm-up's share included: an approximation, alike for both clusters.
          return after === undefined || start === undefined ? Number.NaN : (1000 * (after - start)) / (result.count * (1 + (round === 0 ? 1500 : 500) / durationMs))
        })
        costs[t]?.push({ server: server ?? Number.NaN, database: database ?? Number.NaN })
      }
    }

    // PostgreSQL publishes an idle backend's statistics within 10 s.
    await new Promise((resolve) => setTimeout(resolve, 11_000))
    const rollbacks = await Promise.all(sizes.map(async (workers, t) => (await rolledBack(workers)) - (rollbacksBefore[t] ?? 0)))
    const one = results[0] ?? []
    const two = results[1] ?? []
    const ratio = median(two.map((r, round) => rateOf(r) / rateOf(one[round] ?? r)))
    const rows = targets.map((target, t) => {
      const mine = results[t] ?? []
      const sorted = pooled(mine)
      // How the primary shared the connections out: spans answered per worker, from its log.
      const cluster = clusters[t]
      const shares = cluster === undefined ? [] : [...answeredByPid(cluster.served, "/api/v1/agent_spans").values()]
      return [
        target.name,
        formatInt(median(mine.map(rateOf))),
        ms(percentile(sorted, 0.5)),
        ms(percentile(sorted, 0.99)),
        t === 0 ? "1.00×" : formatRatio(ratio),
        shares.length === 0 ? "(one process)" : shares.map(formatInt).join(" / "),
        `${median((costs[t] ?? []).map((cost) => cost.server)).toFixed(2)} / ${median((costs[t] ?? []).map((cost) => cost.database)).toFixed(2)}`,
        // Counted over warm-ups too: per 1,000 spans of the measured phases, roughly.
        formatInt((1000 * (rollbacks[t] ?? 0)) / mine.reduce((n, r) => n + r.count, 0)),
        `${mine.reduce((n, r) => n + r.errors, 0)}`
      ]
    })
    console.log(
      `closed loop, ${connections} keep-alive connections over ${runs} runs; ${rounds} rounds of ${durationMs / 1000} s per cluster, ` +
        `alternating; spans/s is the median round, the ratio the median of per-round ratios; ${cpus().length} cores for the ` +
        "workers, PostgreSQL and the load together"
    )
    printTable(["server", "spans/s", "p50", "p99", "× one worker", "spans answered per worker", "CPU ms per span: serve / PostgreSQL", "stale writes per 1,000 spans", "errors"], rows)
    const errors = [...one, ...two].reduce((n, r) => n + r.errors, 0)
    const verdict: Verdict = {
      module: "scale",
      target: "two workers ≥ 1.6 × one worker's span creates/s on PostgreSQL (16 connections, pools of 4)",
      measured: `${formatRatio(ratio)} (${formatInt(median(two.map(rateOf)))} vs ${formatInt(median(one.map(rateOf)))} spans/s, ${cpus().length} cores)`,
      pass: ratio >= 1.6 && errors === 0
    }
    console.log(`${verdict.pass ? "pass" : "miss"}: ${verdict.target} — ${verdict.measured}`)
    return [verdict]
  } finally {
    for (const step of cleanups.reverse()) await step().catch((error: unknown) => console.error("cleanup failed:", error))
  }
}
