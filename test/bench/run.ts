/**
 * `npm run bench`: runs every bench module in sequence and prints a summary of their targets.
 *
 *   npm run bench                  all modules but the soak (10 minutes)
 *   npm run bench -- domain        only the modules whose name contains "domain"
 *   npm run bench -- --markdown    also print the summary as a markdown table (docs/benchmarks.md)
 *
 * A missed target prints FAIL; the exit code is non-zero only when a module crashes.
 * To add a module, append one line to `modules`. Modules are imported lazily, so a module's
 * dependencies (a database driver, say) load only when it runs.
 */
import { readFileSync } from "node:fs"
import { cpus, loadavg } from "node:os"
import { formatMarkdownTable, formatTable, passFail, type Verdict } from "./harness.js"

interface BenchModule {
  readonly name: string
  readonly run: () => Promise<ReadonlyArray<Verdict>>
  /** Runs only when a filter names it: a module that takes minutes stays out of the plain `npm run bench`. */
  readonly onlyWhenNamed?: boolean
}

const modules: ReadonlyArray<BenchModule> = [
  { name: "domain", run: () => import("./domain.bench.js").then((m) => m.runDomainBench()) },
  { name: "ledger", run: () => import("./ledger.bench.js").then((m) => m.runLedgerBench()) },
  { name: "postgres", run: () => import("./postgres.bench.js").then((m) => m.runPostgresBench()) },
  { name: "http", run: () => import("./http.bench.js").then((m) => m.runHttpBench()) },
  { name: "sdk", run: () => import("./sdk.bench.js").then((m) => m.runSdkBench()) },
  { name: "reads", run: () => import("./reads.bench.js").then((m) => m.runReadsBench()) },
  { name: "hostile", run: () => import("./hostile.bench.js").then((m) => m.runHostileBench()) },
  { name: "timeline", run: () => import("./timeline.bench.js").then((m) => m.runTimelineBench()) },
  { name: "export", run: () => import("./export.bench.js").then((m) => m.runExportBench()) },
  { name: "soak", run: () => import("./soak.bench.js").then((m) => m.runSoakBench()), onlyWhenNamed: true },
  { name: "embedded", run: () => import("./embedded.bench.js").then((m) => m.runEmbeddedBench()) },
  { name: "scale", run: () => import("./scale.bench.js").then((m) => m.runScaleBench()) },
  { name: "startup", run: () => import("./startup.bench.js").then((m) => m.runStartupBench()) },
  { name: "console", run: () => import("./console.bench.js").then((m) => m.runConsoleBench()) },
  { name: "masking", run: () => import("./masking.bench.js").then((m) => m.runMaskingBench()) },
  { name: "retention", run: () => import("./retention.bench.js").then((m) => m.runRetentionBench()) },
  { name: "otlp", run: () => import("./otlp.bench.js").then((m) => m.runOtlpBench()) }
]

const args = process.argv.slice(2)
const markdown = args.includes("--markdown")
const filters = args.filter((arg) => !arg.startsWith("--"))
const selected = modules.filter((m) => filters.length === 0 ? m.onlyWhenNamed !== true : filters.some((f) => m.name.includes(f)))

const cpuModel = cpus()[0]?.model.trim() ?? "unknown CPU"
console.log(`agentledger benchmarks — node ${process.version}, ${cpuModel}, ${cpus().length} cores, ${process.platform}/${process.arch}`)
console.log(`modules: ${selected.map((m) => m.name).join(", ") || "(none match)"}`)

/**
 * On a 2-core machine any other busy process skews the figures. Linux only: the CPU time all
 * processes used during the run (/proc/stat, in clock ticks of 10 ms) minus this process's own.
 */
const busySeconds = (): number | undefined => {
  try {
    const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]?.trim().split(/\s+/).slice(1).map(Number) ?? []
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields
    return (user + nice + system + irq + softirq + steal) / 100
  } catch {
    return undefined
  }
}
const ownSeconds = (): number => {
  const { system, user } = process.cpuUsage()
  return (user + system) / 1e6
}
const [startLoad = 0] = loadavg()
console.log(`load average (1 min) at start: ${startLoad.toFixed(2)}${startLoad >= 0.5 ? " — the machine is busy; figures may be skewed" : ""}`)
const busyAtStart = busySeconds()
const ownAtStart = ownSeconds()

const started = process.hrtime.bigint()
const verdicts: Array<Verdict> = []
const crashed: Array<string> = []
for (const module of selected) {
  console.log(`\n## ${module.name}`)
  const moduleStart = process.hrtime.bigint()
  try {
    verdicts.push(...(await module.run()))
  } catch (error) {
    crashed.push(module.name)
    console.error(`\nbench module "${module.name}" crashed:`, error)
  }
  console.log(`\n(${module.name}: ${(Number(process.hrtime.bigint() - moduleStart) / 1e9).toFixed(1)} s)`)
}

const headers = ["module", "target", "measured", "verdict"]
const rows = [
  ...verdicts.map((v) => [v.module, v.target, v.measured, passFail(v.pass)]),
  ...crashed.map((name) => [name, "(module crashed)", "-", "CRASH"])
]
console.log("\n## Summary\n")
console.log(formatTable(headers, rows))
const busyAtEnd = busySeconds()
if (busyAtStart !== undefined && busyAtEnd !== undefined) {
  const wall = Number(process.hrtime.bigint() - started) / 1e9
  const others = Math.max(0, busyAtEnd - busyAtStart - (ownSeconds() - ownAtStart))
  const share = (100 * others) / wall
  console.log(
    `other processes used ${others.toFixed(1)} CPU-s during the run (${share.toFixed(0)}% of one core)` +
      `${share >= 10 ? " — figures may be skewed; rerun on a quiet machine" : ""}`
  )
}
if (markdown) console.log(`\n${formatMarkdownTable(headers, rows)}`)
const failed = verdicts.filter((v) => !v.pass).length
console.log(
  `\n${verdicts.length - failed} of ${verdicts.length} targets met` +
    `${crashed.length > 0 ? `, ${crashed.length} module(s) crashed` : ""}` +
    ` — ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s in all`
)
if (crashed.length > 0) process.exitCode = 1
