/**
 * How soon `npm start` answers: the time from spawning the server as `npm start` runs it — the
 * app's bundle, `node apps/server/dist/main.js` — to its first answered request (a client polling
 * `GET /api/v1/ping` every 10 ms from the moment of the spawn), in memory (`--memory`), on an
 * existing default store (the embedded PGlite in a data directory a first start left), and on a
 * first start (an empty data directory: PGlite creates its database and the migrations run).
 * Each figure is the median of `AGENTLEDGER_BENCH_STARTUP_ROUNDS` (5) starts; the server is
 * stopped with SIGTERM after each. Beside the time, the CPU time the serving (main) thread, and
 * all the process's threads, spent until then (Linux `/proc`): on a machine other processes keep
 * busy the time stretches while those stay near what the start costs. For reference, also `npm start` itself in memory: npm,
 * and its `prestart` (the bundle's check that it is current, `apps/server/bundle.mjs`), before the same server.
 *
 * Targets: 1.5 s in memory, 3 s on an existing default store.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { mainThreadCpuSeconds, processCpuSeconds } from "./cpu.js"
import { printTable, type Verdict } from "./harness.js"
import { median, ms } from "./load.js"

const root = join(import.meta.dirname, "..", "..")
const token = `pf_${"u".repeat(43)}`

/** A port nothing listens on now. */
const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once("error", reject)
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address()
      probe.close(() => (address !== null && typeof address === "object" ? resolve(address.port) : reject(new Error("no port"))))
    })
  })

/** Polls the server until it answers; the milliseconds since `began`. */
const firstAnswer = async (port: number, child: ChildProcess, began: number): Promise<number> => {
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the server exited (${child.exitCode ?? child.signalCode}) before answering`)
    try {
      const answer = await fetch(`http://127.0.0.1:${port}/api/v1/ping`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(2_000)
      })
      await answer.arrayBuffer()
      if (answer.status !== 200) throw new Error(`the server answered ${answer.status}`)
      return performance.now() - began
    } catch (error) {
      if (error instanceof Error && error.message.startsWith("the server answered")) throw error
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }
}

const stopped = (child: ChildProcess, signal: () => void): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once("exit", () => resolve())
    signal()
  })

interface Start {
  /** Milliseconds from the spawn to the first answer. */
  readonly ms: number
  /** CPU milliseconds of the serving thread by then. */
  readonly cpuMs: number
  /** CPU milliseconds of all the process's threads by then (PGlite's, the checker's, the collector's). */
  readonly processCpuMs: number
}

/** One start of the built server with `flags`. */
const startBuilt = async (flags: ReadonlyArray<string>): Promise<Start> => {
  const port = await freePort()
  const began = performance.now()
  const child = spawn(process.execPath, ["apps/server/dist/main.js", "--port", String(port), ...flags], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: "", AGENTLEDGER_BOOTSTRAP_TOKEN: token },
    stdio: "ignore"
  })
  try {
    const ms = await firstAnswer(port, child, began)
    const pid = child.pid ?? 0
    return { ms, cpuMs: 1000 * mainThreadCpuSeconds(pid), processCpuMs: 1000 * processCpuSeconds(pid) }
  } finally {
    await stopped(child, () => child.kill("SIGTERM"))
  }
}

/** One `npm start` in memory: npm and its prestart's check of the bundle, then the server; its process group is stopped. */
const startWithNpm = async (): Promise<Start> => {
  const port = await freePort()
  const began = performance.now()
  const child = spawn("npm", ["start", "--silent", "--", "--memory", "--port", String(port)], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: "", AGENTLEDGER_BOOTSTRAP_TOKEN: token },
    stdio: "ignore",
    detached: true
  })
  try {
    // The server is a grandchild (npm, then its shell): its CPU is not counted.
    return { ms: await firstAnswer(port, child, began), cpuMs: Number.NaN, processCpuMs: Number.NaN }
  } finally {
    await stopped(child, () => child.pid !== undefined && process.kill(-child.pid, "SIGTERM"))
  }
}

const medianOf = async (rounds: number, start: () => Promise<Start>): Promise<Start> => {
  const starts: Array<Start> = []
  for (let round = 0; round < rounds; round++) starts.push(await start())
  return {
    ms: median(starts.map((one) => one.ms)),
    cpuMs: median(starts.map((one) => one.cpuMs)),
    processCpuMs: median(starts.map((one) => one.processCpuMs))
  }
}

export const runStartupBench = async (): Promise<ReadonlyArray<Verdict>> => {
  console.log("\n## Startup: from spawning the built server to its first answer\n")
  const rounds = Number(process.env["AGENTLEDGER_BENCH_STARTUP_ROUNDS"] ?? "5")
  // What `npm start`'s prestart does; nothing is rebuilt when the bundle is current.
  execFileSync(process.execPath, ["apps/server/bundle.mjs"], { cwd: root, stdio: "inherit" })
  const [loadBefore = 0] = loadavg()
  const existing = mkdtempSync(join(tmpdir(), "agentledger-startup-existing-"))
  const fresh: Array<string> = []
  try {
    const inMemory = await medianOf(rounds, () => startBuilt(["--memory"]))
    await startBuilt(["--data-dir", existing])
    const onExisting = await medianOf(rounds, () => startBuilt(["--data-dir", existing]))
    const firstStart = await medianOf(Math.max(1, Math.ceil(rounds / 2)), () => {
      const dataDir = mkdtempSync(join(tmpdir(), "agentledger-startup-first-"))
      fresh.push(dataDir)
      return startBuilt(["--data-dir", dataDir])
    })
    const withNpm = await medianOf(Math.max(1, Math.ceil(rounds / 2)), startWithNpm)
    const [loadAfter = 0] = loadavg()
    const cpu = (value: number) => (Number.isNaN(value) ? "-" : ms(value))
    const row = (name: string, start: Start) => [name, ms(start.ms), cpu(start.cpuMs), cpu(start.processCpuMs)]
    printTable(["start", "first answer (median)", "serving thread CPU by then", "all threads' CPU"], [
      row("in memory (--memory)", inMemory),
      row("existing default store (PGlite data directory)", onExisting),
      row("first start (empty data directory)", firstStart),
      row("npm start in memory (npm, prestart's bundle check, server)", withNpm)
    ])
    console.log(`\nload average (1 min): ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`)
    return [
      { module: "startup", target: "in memory: first answer < 1.5 s", measured: ms(inMemory.ms), pass: inMemory.ms < 1_500 },
      { module: "startup", target: "existing default store: first answer < 3 s", measured: ms(onExisting.ms), pass: onExisting.ms < 3_000 }
    ]
  } finally {
    for (const dir of [existing, ...fresh]) rmSync(dir, { recursive: true, force: true })
  }
}
