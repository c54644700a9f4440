/**
 * A small, dependency-free benchmark helper (house rule: speed targets are measured by
 * `npm run bench`, as ratios against a baseline in the same run, never in a timed test).
 *
 * A bench function runs `iterations` operations in a tight loop and returns a number derived
 * from every result (so the optimizer cannot drop the work); the harness folds it into a sink.
 *
 * Method, per case: warm up (doubling the batch size until a batch is long enough to time, then
 * running until the warm-up time is spent), size a batch to take about `sampleMs`, then time
 * `samples` batches with `process.hrtime.bigint()` and report the median. Cases compared with
 * each other are measured together by `measure`, which interleaves their samples round-robin so
 * that drift on the machine (frequency, a noisy neighbour, GC of earlier cases) hits every case
 * alike. `ratio` of two cases measured together is the median of their per-round ratios, so a
 * slow phase of the machine cancels out of it even when it moves the medians.
 */

/** Runs `iterations` operations; returns a value computed from all of them. */
export type BenchFn = (iterations: number) => number

export interface BenchCase {
  readonly name: string
  readonly fn: BenchFn
  /** Builds the inputs of the next `iterations` operations, outside the timed batch. */
  readonly prepare?: (iterations: number) => void
}

export interface BenchOptions {
  /** Minimum warm-up time per case, in milliseconds. */
  readonly warmupMs?: number
  /** Target duration of one timed batch, in milliseconds. */
  readonly sampleMs?: number
  /** Number of timed batches per case. */
  readonly samples?: number
}

export interface BenchResult {
  readonly name: string
  /** Operations per timed batch. */
  readonly iterations: number
  readonly samples: number
  /** Median nanoseconds per operation over the samples. */
  readonly nsPerOp: number
  /** Operations per second at the median. */
  readonly opsPerSec: number
  /** Fastest and slowest sample, nanoseconds per operation. */
  readonly minNsPerOp: number
  readonly maxNsPerOp: number
  /** Nanoseconds per operation of each sample, in the order taken (round by round). */
  readonly sampleNsPerOp: ReadonlyArray<number>
  /** Cases measured by the same `measure` call share a group: their samples are paired. */
  readonly group: number
}

export const defaultOptions: Required<BenchOptions> = { warmupMs: 300, sampleMs: 50, samples: 21 }

/** Folds every bench function's return value: observable state the optimizer must keep. */
let sink = 0
export const blackhole = (): number => sink

const consume = (value: number): void => {
  sink = (sink + (Number.isFinite(value) ? value : 1)) % 1_000_003
}

const timeBatch = (fn: BenchFn, iterations: number, prepare?: (iterations: number) => void): number => {
  prepare?.(iterations)
  const start = process.hrtime.bigint()
  const value = fn(iterations)
  const elapsed = Number(process.hrtime.bigint() - start)
  consume(value)
  return elapsed
}

/** Warms a case up and returns the batch size that takes about `sampleMs`. */
const calibrate = (c: BenchCase, options: Required<BenchOptions>): number => {
  const minBatchNs = 5_000_000
  let iterations = 1
  let elapsed = timeBatch(c.fn, iterations, c.prepare)
  while (elapsed < minBatchNs && iterations < 2 ** 30) {
    iterations *= 2
    elapsed = timeBatch(c.fn, iterations, c.prepare)
  }
  const warmupEnd = process.hrtime.bigint() + BigInt(options.warmupMs * 1_000_000)
  while (process.hrtime.bigint() < warmupEnd) elapsed = timeBatch(c.fn, iterations, c.prepare)
  return Math.max(1, Math.round((iterations * options.sampleMs * 1_000_000) / Math.max(elapsed, 1)))
}

const median = (sorted: ReadonlyArray<number>): number => {
  const middle = Math.floor(sorted.length / 2)
  const upper = sorted[middle] ?? Number.NaN
  if (sorted.length % 2 === 1) return upper
  return ((sorted[middle - 1] ?? upper) + upper) / 2
}

const medianOf = (values: ReadonlyArray<number>): number => median([...values].sort((a, b) => a - b))

let groups = 0

const summarize = (name: string, group: number, iterations: number, nsPerOp: ReadonlyArray<number>): BenchResult => {
  const sorted = [...nsPerOp].sort((a, b) => a - b)
  const mid = median(sorted)
  return {
    name,
    group,
    sampleNsPerOp: nsPerOp,
    iterations,
    samples: sorted.length,
    nsPerOp: mid,
    opsPerSec: 1e9 / mid,
    minNsPerOp: sorted[0] ?? Number.NaN,
    maxNsPerOp: sorted[sorted.length - 1] ?? Number.NaN
  }
}

/**
 * Measures cases side by side: each is warmed up and sized on its own, then their timed batches
 * are interleaved round-robin. Results come back in the order of `cases`.
 */
export const measure = (cases: ReadonlyArray<BenchCase>, options: BenchOptions = {}): ReadonlyArray<BenchResult> => {
  const resolved: Required<BenchOptions> = { ...defaultOptions, ...options }
  const group = ++groups
  const sized = cases.map((c) => ({ ...c, iterations: calibrate(c, resolved), nsPerOp: new Array<number>() }))
  for (let sample = 0; sample < resolved.samples; sample++) {
    for (const c of sized) c.nsPerOp.push(timeBatch(c.fn, c.iterations, c.prepare) / c.iterations)
  }
  return sized.map((c) => summarize(c.name, group, c.iterations, c.nsPerOp))
}

/** Measures one case on its own. */
export const bench = (name: string, fn: BenchFn, options: BenchOptions = {}): BenchResult => {
  const [result] = measure([{ name, fn }], options)
  if (result === undefined) throw new Error("measure returned no result")
  return result
}

/**
 * How many times the time of `b` one operation of `a` takes (2 means twice as long). For cases
 * measured together: the median over rounds of a's sample over b's sample from the same round.
 * Otherwise: the ratio of the medians.
 */
export const ratio = (a: BenchResult, b: BenchResult): number => {
  if (a.group !== b.group || a.sampleNsPerOp.length !== b.sampleNsPerOp.length) return a.nsPerOp / b.nsPerOp
  return medianOf(a.sampleNsPerOp.map((ns, round) => ns / (b.sampleNsPerOp[round] ?? Number.NaN)))
}

/** A target check, for the per-module and the final summary. */
export interface Verdict {
  readonly module: string
  readonly target: string
  readonly measured: string
  readonly pass: boolean
}

export const passFail = (pass: boolean): string => (pass ? "PASS" : "FAIL")

// ---- formatting -------------------------------------------------------------------------------

const grouped = (digits: string): string => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",")

/** A count with thousands separators: 1234567.8 → "1,234,568". */
export const formatInt = (value: number): string =>
  Number.isFinite(value) ? grouped(Math.round(value).toString()) : String(value)

/** Nanoseconds in a readable unit: "742 ns", "18.4 µs", "1.27 ms". */
export const formatNs = (ns: number): string => {
  if (!Number.isFinite(ns)) return String(ns)
  if (ns < 1_000) return `${ns < 10 ? ns.toFixed(2) : ns < 100 ? ns.toFixed(1) : ns.toFixed(0)} ns`
  if (ns < 1_000_000) return `${(ns / 1_000).toFixed(ns < 10_000 ? 2 : 1)} µs`
  if (ns < 1_000_000_000) return `${(ns / 1_000_000).toFixed(ns < 10_000_000 ? 2 : 1)} ms`
  return `${(ns / 1_000_000_000).toFixed(2)} s`
}

export const formatRatio = (value: number): string => `${value.toFixed(2)}×`

/** A plain-text table: columns padded to their widest cell, numbers right-aligned. */
export const formatTable = (headers: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? "").length))
  )
  const numeric = headers.map((_, column) =>
    rows.length > 0 && rows.every((row) => /^[-+]?[\d,.]+\s*(%|×|ns|µs|ms|s)?$/.test(row[column] ?? ""))
  )
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? cell.length
        return numeric[column] === true ? cell.padStart(width) : cell.padEnd(width)
      })
      .join("  ")
      .trimEnd()
  const rule = widths.map((width) => "-".repeat(width)).join("  ")
  return [line(headers), rule, ...rows.map(line)].join("\n")
}

/** The same table as GitHub-flavoured markdown, for docs/benchmarks.md. */
export const formatMarkdownTable = (headers: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const line = (cells: ReadonlyArray<string>) => `| ${cells.map((cell) => cell.replace(/\|/g, "\\|")).join(" | ")} |`
  return [line(headers), `|${headers.map(() => "---").join("|")}|`, ...rows.map(line)].join("\n")
}

export const printTable = (headers: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): void => {
  console.log(formatTable(headers, rows))
}

/** The standard rows for a set of results: name, ops/s, ns/op, sample spread. */
export const resultRows = (results: ReadonlyArray<BenchResult>): ReadonlyArray<ReadonlyArray<string>> =>
  results.map((r) => [
    r.name,
    formatInt(r.opsPerSec),
    formatNs(r.nsPerOp),
    `${formatNs(r.minNsPerOp)} … ${formatNs(r.maxNsPerOp)}`,
    `${r.samples} × ${formatInt(r.iterations)}`
  ])

export const resultHeaders: ReadonlyArray<string> = ["case", "ops/s (median)", "time/op (median)", "min … max", "samples × ops"]

export const printResults = (results: ReadonlyArray<BenchResult>): void => printTable(resultHeaders, resultRows(results))
