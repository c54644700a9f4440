/**
 * Soak (issue 13's steady state): the real server as a user starts it — `serve` in its own
 * process (`apps/server/src/main.ts`, from the sources), on the embedded default (PGlite in a fresh
 * data directory), or on a PostgreSQL server this bench starts (`AGENTLEDGER_BENCH_SOAK_STORE=postgres`,
 * durable, given as `DATABASE_URL`) — under a long, steady load from another process
 * (`soakLoad.ts`):
 *
 * 1. capacity: a closed loop on 16 keep-alive connections for `AGENTLEDGER_BENCH_SOAK_CAPACITY_MS`
 *    (5 s, after 1 s of warm-up), span creates per second;
 * 2. soak: an open loop at half that rate for `AGENTLEDGER_BENCH_SOAK_MS` (10 minutes, rounded up
 *    to whole 10 s windows), over runs of 50 spans that are registered, started and finished as
 *    it goes, so the store grows as in real use.
 *
 * Every 10 s window it samples the server's RSS (/proc/<pid>/status VmRSS), the span creates'
 * p50 and p99 (from their scheduled times) and errors, and the server's event-loop delay, from
 * the stats line `serve` writes on stderr when `AGENTLEDGER_STATS_INTERVAL_MS` is set (its own
 * 10 s intervals, not aligned with the load's windows: a window takes the line that arrived
 * during it). Also each window's CPU: the server's, and other processes' on the shared machine.
 *
 * Verdicts: RSS growth < 20 % after the first minute (the last sample against the first sample
 * taken at 60 s or later); no error (every request of both phases answered 2xx); p99 flat within
 * 1.5× (the highest window p99 over the median window p99). The samples are drawn to
 * `docs/soak.svg` (`docs/soak-postgres.svg` on PostgreSQL; `AGENTLEDGER_BENCH_SOAK_SVG` sets
 * another path) and printed as a markdown table for docs/benchmarks.md.
 */
import { startPostgres } from "@agentledger/testkit/postgres"
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { cpus, loadavg, tmpdir } from "node:os"
import { join, relative, resolve } from "node:path"
import * as Stats from "../../apps/server/src/Stats.js"
import { deployAgent } from "../support/deployAgent.js"
import type { Json } from "../support/json.js"
import { sourceExecArgv } from "../support/sources.js"
import { formatInt, formatMarkdownTable, printTable, type Verdict } from "./harness.js"
import { type Sample, soakSvg } from "./soakChart.js"
import { type Window, startLoad } from "./soakLoad.js"
import { cpuMeter, rssMib } from "./soakProc.js"

const root = join(import.meta.dirname, "..", "..")
const windowMs = 10_000
const spansPerRun = 50
const connections = 16
const token = `pf_${"soak".repeat(11)}`

const numberFrom = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`)
  return value
}

/** `serve` in a process of its own; its stderr scanned for stats lines, its request log dropped. */
const startServer = (flags: ReadonlyArray<string>, env: Readonly<Record<string, string>>) => {
  const child = spawn(process.execPath, [...sourceExecArgv, "apps/server/src/main.ts", "--port", "0", ...flags], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: "", AGENTLEDGER_BOOTSTRAP_TOKEN: token, AGENTLEDGER_STATS_INTERVAL_MS: String(windowMs), ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let tail = ""
  let pending = ""
  let latest: Stats.Snapshot | undefined
  let url: string | undefined
  const lines = (chunk: Buffer, onLine: (line: string) => void) => {
    tail = (tail + chunk.toString()).slice(-4_000)
    pending += chunk.toString()
    const complete = pending.split("\n")
    pending = complete.pop() ?? ""
    for (const line of complete) onLine(line)
  }
  const onLine = (line: string) => {
    url ??= /Listening on (http:\/\/[\d.]+:\d+)/.exec(line)?.[1]
    latest = Stats.parse(line) ?? latest
  }
  child.stdout.on("data", (chunk: Buffer) => lines(chunk, onLine))
  child.stderr.on("data", (chunk: Buffer) => lines(chunk, onLine))
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)))
  return {
    pid: child.pid ?? 0,
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
    tail: () => tail,
    /** The latest stats line, once: undefined until the next one arrives. */
    takeStats: () => {
      const taken = latest
      latest = undefined
      return taken
    },
    listening: async (): Promise<string> => {
      for (let waited = 0; waited < 120_000; waited += 100) {
        if (url !== undefined) return url
        if (child.exitCode !== null) break
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      throw new Error(`the server did not start:\n${tail}`)
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
      await exited
    }
  }
}

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2
}

const ms = (value: number | undefined): string =>
  value === undefined || !Number.isFinite(value) ? "-" : value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0)
const pct = (value: number | undefined): string => (value === undefined ? "-" : `${value.toFixed(0)} %`)

interface Row extends Sample {
  readonly window: Window
  readonly serverCpuPct: number | undefined
  readonly othersCpuPct: number | undefined
  readonly loadAverage: number
}

const rowCells = (row: Row): ReadonlyArray<string> => [
  row.atS.toFixed(0),
  formatInt((row.window.spans * 1000) / windowMs),
  String(row.window.lifecycle),
  ms(row.p50Ms),
  ms(row.p99Ms),
  ms(row.window.max),
  String(row.window.errors),
  row.rssMib.toFixed(0),
  ms(row.loopP99Ms),
  ms(row.loopMaxMs),
  pct(row.serverCpuPct),
  pct(row.othersCpuPct),
  row.loadAverage.toFixed(2)
]
const rowHeaders = [
  "t (s)", "spans/s", "run reqs", "p50 ms", "p99 ms", "max ms", "errors", "RSS MiB", "loop p99 ms", "loop max ms", "server CPU",
  "others' CPU", "load (1 min)"
]

export const runSoakBench = async (): Promise<ReadonlyArray<Verdict>> => {
  const store = process.env["AGENTLEDGER_BENCH_SOAK_STORE"] === "postgres" ? "postgres" : "pglite"
  const soakMs = Math.ceil(numberFrom("AGENTLEDGER_BENCH_SOAK_MS", 600_000) / windowMs) * windowMs
  const capacityMs = numberFrom("AGENTLEDGER_BENCH_SOAK_CAPACITY_MS", 5_000)
  const svgPath = resolve(root, process.env["AGENTLEDGER_BENCH_SOAK_SVG"] ?? (store === "postgres" ? "docs/soak-postgres.svg" : "docs/soak.svg"))
  console.log(`\n## Soak: serve in its own process on ${store === "postgres" ? "PostgreSQL" : "embedded PGlite"}, ${soakMs / 1000} s at half capacity\n`)

  const cleanups: Array<() => Promise<void> | void> = []
  try {
    const dataDir = mkdtempSync(join(tmpdir(), "agentledger-soak-"))
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
    const database = store === "postgres" ? await startPostgres({ durable: true }) : undefined
    if (database !== undefined) cleanups.push(() => database.stop())
    const server = startServer(database === undefined ? ["--data-dir", dataDir] : [], database === undefined ? {} : { DATABASE_URL: database.url })
    cleanups.push(server.stop)
    const url = await server.listening()
    const deployed = await deployAgent(url, token, { name: "soak agent" })
    const register: Json = {
      agent_version: { external_identifier: "1.0.0", name: "soak agent", description: "soak.bench" },
      agent_schema_version: {
        external_identifier: "soak-schema",
        span_type_schemas: [{ name: "llm", params_schema: { type: "object" }, result_schema: { type: "object" } }]
      }
    }
    const load = await startLoad()
    cleanups.push(load.close)
    const target = { url, token: deployed.token, register, spansPerRun }

    const capacity = await load.capacity({ ...target, connections, warmupMs: 1_000, durationMs: capacityMs })
    const capacityRate = (capacity.spans * 1000) / capacity.elapsedMs
    const rate = capacityRate / 2
    console.log(
      `capacity: ${formatInt(capacityRate)} span creates/s (closed loop, ${connections} connections, ${capacityMs / 1000} s; ` +
        `p50 ${ms(capacity.p50)} ms, p99 ${ms(capacity.p99)} ms, ${capacity.errors} errors); soaking at ${formatInt(rate)}/s`
    )
    if (capacity.firstError !== null) console.log(`  first error: ${capacity.firstError}`)

    const rows: Array<Row> = []
    const meter = cpuMeter(() => (load.pid === undefined ? [] : [load.pid]), server.pid)
    printTable(rowHeaders, [])
    const done = await load.soak({ ...target, rate, activeRuns: connections, durationMs: soakMs, windowMs }, (window) => {
      const stats = server.takeStats()
      const cpu = meter()
      const row: Row = {
        window,
        atS: window.atMs / 1000,
        rssMib: rssMib(server.pid) ?? Number.NaN,
        p50Ms: window.p50,
        p99Ms: window.p99,
        loopP99Ms: stats?.loopDelayP99Ms,
        loopMaxMs: stats?.loopDelayMaxMs,
        serverCpuPct: cpu.serverPct,
        othersCpuPct: cpu.othersPct,
        loadAverage: loadavg()[0] ?? Number.NaN
      }
      rows.push(row)
      console.log(rowCells(row).map((cell, column) => cell.padStart(rowHeaders[column]?.length ?? 0)).join("  "))
      if (window.firstError !== null) console.log(`  first error in the window: ${window.firstError}`)
    })
    if (!server.alive()) throw new Error(`the server died during the soak:\n${server.tail()}`)

    // Verdicts.
    const afterMinute = rows.find((row) => row.atS >= 60)
    const last = rows[rows.length - 1]
    const growth = afterMinute === undefined || last === undefined ? Number.NaN : last.rssMib / afterMinute.rssMib - 1
    const p99s = rows.map((row) => row.p99Ms).filter(Number.isFinite)
    const flatness = Math.max(...p99s) / median(p99s)
    const firstP99 = rows[0]?.p99Ms ?? Number.NaN
    const errors = capacity.errors + done.errors
    const answeredRate = (rows.reduce((n, row) => n + row.window.spans, 0) * 1000) / soakMs
    const loops = rows.flatMap((row) => (row.loopP99Ms === undefined ? [] : [row.loopP99Ms]))

    const svg = soakSvg(
      rows,
      `agentledger soak: serve on ${store === "postgres" ? "PostgreSQL" : "embedded PGlite"}, ${formatInt(rate)} span creates/s for ${soakMs / 60_000} min`,
      `${new Date().toISOString().slice(0, 10)} · half of a ${formatInt(capacityRate)}/s closed-loop capacity (16 conn.) · runs of ${spansPerRun} spans · ` +
        `${cpus().length} cores shared · ${formatInt(done.runs)} runs, ${formatInt(done.answered)} spans`,
      60
    )
    writeFileSync(svgPath, svg)
    console.log(`\nthe picture: ${relative(root, svgPath)}`)
    console.log(`\n${formatMarkdownTable(rowHeaders, rows.map(rowCells))}`)
    console.log(
      `\n${formatInt(done.answered)} of ${formatInt(done.scheduled)} span creates answered (${formatInt(answeredRate)}/s in the windows), ` +
        `${formatInt(done.runs)} runs; drained after the last window: ${done.drained} (max ${ms(done.drainedMax)} ms); ` +
        `event-loop delay p99 per window: median ${ms(median(loops))} ms, max ${ms(Math.max(...loops))} ms`
    )
    if (done.firstError !== null) console.log(`first error: ${done.firstError}`)
    const perWindow = (rate * windowMs) / 1000
    if (perWindow < 100) {
      console.log(`a window holds about ${formatInt(perWindow)} span creates: its p99 is its slowest request or close to it`)
    }

    const verdicts: Array<Verdict> = [
      {
        module: "soak",
        target: "RSS growth < 20 % after the first minute (last sample ÷ first sample at ≥ 60 s)",
        measured: `${(100 * growth).toFixed(1)} % (${afterMinute?.rssMib.toFixed(0) ?? "-"} → ${last?.rssMib.toFixed(0) ?? "-"} MiB; ${store})`,
        pass: growth < 0.2
      },
      {
        module: "soak",
        target: "no error: every request answered 2xx (capacity and soak phases)",
        measured: `${errors} errors; ${formatInt(done.answered)} of ${formatInt(done.scheduled)} span creates answered, ${formatInt(done.runs)} runs`,
        pass: errors === 0 && done.answered === done.scheduled
      },
      {
        module: "soak",
        target: "p99 flat within 1.5× (highest window p99 ÷ median window p99)",
        measured: `${flatness.toFixed(2)}× (median ${ms(median(p99s))} ms, max ${ms(Math.max(...p99s))} ms; last ÷ first ${(
          (last?.p99Ms ?? Number.NaN) / firstP99
        ).toFixed(2)}×) at ${formatInt(rate)}/s`,
        pass: flatness <= 1.5
      }
    ]
    for (const v of verdicts) console.log(`${v.pass ? "pass" : "miss"}: ${v.target} — ${v.measured}`)
    return verdicts
  } finally {
    for (const step of cleanups.reverse()) {
      await Promise.resolve(step()).catch((error: unknown) => console.error("cleanup failed:", error))
    }
  }
}
