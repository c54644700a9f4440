/**
 * An optional line of process health on stderr, every `intervalMs` (`--stats-interval-ms` /
 * `AGENTLEDGER_STATS_INTERVAL_MS`; off by default). It exists because no request can show how
 * long the serving thread kept the event loop from turning, and the soak bench needs that beside
 * the RSS it reads from outside; it is also a cheap health signal for an operator without a
 * metrics stack. It is a log line, not an endpoint: nothing to authenticate, nothing for a
 * tenant to read.
 *
 *   agentledger stats: rss_mib=212.4 heap_used_mib=61.0 loop_delay_p50_ms=0.1 loop_delay_p99_ms=3.2 loop_delay_max_ms=12.8
 *
 * The event-loop delay comes from `perf_hooks.monitorEventLoopDelay`, a native timer that costs
 * nothing on the JavaScript thread between its samples. Node records each sample as the time
 * between two timer turns, the sampling resolution included; the line reports the delay beyond
 * it, so an idle loop reads 0. Each line covers the interval since the previous one (the
 * histogram is reset after every line).
 */
import { monitorEventLoopDelay } from "node:perf_hooks"

/** Milliseconds between two samples of the event-loop delay timer. */
export const resolutionMs = 10

export interface Snapshot {
  readonly rssMib: number
  readonly heapUsedMib: number
  readonly loopDelayP50Ms: number
  readonly loopDelayP99Ms: number
  readonly loopDelayMaxMs: number
}

const prefix = "agentledger stats:"

const fixed = (value: number): string => (Number.isFinite(value) ? value.toFixed(1) : "0.0")

export const format = (snapshot: Snapshot): string =>
  `${prefix} rss_mib=${fixed(snapshot.rssMib)} heap_used_mib=${fixed(snapshot.heapUsedMib)}` +
  ` loop_delay_p50_ms=${fixed(snapshot.loopDelayP50Ms)} loop_delay_p99_ms=${fixed(snapshot.loopDelayP99Ms)}` +
  ` loop_delay_max_ms=${fixed(snapshot.loopDelayMaxMs)}\n`

const fields = ["rss_mib", "heap_used_mib", "loop_delay_p50_ms", "loop_delay_p99_ms", "loop_delay_max_ms"] as const

/** The snapshot of one line `format` wrote, or undefined for any other line. */
export const parse = (line: string): Snapshot | undefined => {
  const at = line.indexOf(prefix)
  if (at < 0) return undefined
  const values = new Map<string, number>()
  for (const pair of line.slice(at + prefix.length).trim().split(/\s+/)) {
    const [key, value] = pair.split("=")
    if (key !== undefined && value !== undefined) values.set(key, Number(value))
  }
  const [rss, heap, p50, p99, max] = fields.map((field) => values.get(field))
  if (rss === undefined || heap === undefined || p50 === undefined || p99 === undefined || max === undefined) return undefined
  return { rssMib: rss, heapUsedMib: heap, loopDelayP50Ms: p50, loopDelayP99Ms: p99, loopDelayMaxMs: max }
}

const mib = (bytes: number): number => bytes / (1024 * 1024)

/** Nanoseconds of one recorded turn, in milliseconds beyond the resolution. */
const beyondResolution = (ns: number): number => Math.max(0, ns / 1e6 - resolutionMs)

/** Starts writing a line every `intervalMs`; the returned function stops it. The timer never keeps the process alive. */
export const start = (intervalMs: number, write: (line: string) => void = (line) => process.stderr.write(line)): () => void => {
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs })
  histogram.enable()
  const timer = setInterval(() => {
    const memory = process.memoryUsage()
    // With no turn recorded yet (an interval shorter than the resolution) the histogram's
    // figures are NaN or its sentinels; report no delay rather than a made-up one.
    const recorded = histogram.count > 0
    write(format({
      rssMib: mib(memory.rss),
      heapUsedMib: mib(memory.heapUsed),
      loopDelayP50Ms: recorded ? beyondResolution(histogram.percentile(50)) : 0,
      loopDelayP99Ms: recorded ? beyondResolution(histogram.percentile(99)) : 0,
      loopDelayMaxMs: recorded ? beyondResolution(histogram.max) : 0
    }))
    histogram.reset()
  }, intervalMs)
  timer.unref()
  return () => {
    clearInterval(timer)
    histogram.disable()
  }
}
