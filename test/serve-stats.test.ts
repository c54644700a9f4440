/**
 * The optional stats line (`--stats-interval-ms` / `AGENTLEDGER_STATS_INTERVAL_MS`): off by
 * default; when set, `serve` writes RSS and event-loop delay on stderr at that interval, in a
 * shape `Stats.parse` reads back (the soak bench depends on it); a busy loop shows as delay.
 */
import { describe, expect, it } from "vitest"
import * as Stats from "../apps/server/src/Stats.js"
import { listening, serve } from "./support/serveProcess.js"

const token = `pf_${"s".repeat(43)}`

const statsLines = (stderr: string): ReadonlyArray<Stats.Snapshot> =>
  stderr.split("\n").flatMap((line) => {
    const snapshot = Stats.parse(line)
    return snapshot === undefined ? [] : [snapshot]
  })

describe("the stats line", () => {
  it("round-trips through format and parse, and ignores other lines", () => {
    const snapshot: Stats.Snapshot = { rssMib: 212.4, heapUsedMib: 61, loopDelayP50Ms: 0.1, loopDelayP99Ms: 3.2, loopDelayMaxMs: 12.8 }
    expect(Stats.parse(Stats.format(snapshot))).toEqual(snapshot)
    expect(Stats.parse("timestamp=… level=INFO message=\"Listening on http://127.0.0.1:4318\"")).toBeUndefined()
    expect(Stats.parse("agentledger stats: rss_mib=1")).toBeUndefined()
  })

  it("reports a loop held busy as delay, and nothing once stopped", async () => {
    const lines: Array<string> = []
    const stop = Stats.start(200, (line) => lines.push(line))
    await new Promise((resolve) => setTimeout(resolve, 50))
    const until = Date.now() + 80
    while (Date.now() < until) {
      // Hold the event loop, as a long synchronous request would.
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
    stop()
    const seen = lines.length
    const first = Stats.parse(lines[0] ?? "")
    expect(first?.loopDelayMaxMs).toBeGreaterThanOrEqual(50)
    expect(first?.rssMib).toBeGreaterThan(0)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(lines.length).toBe(seen)
  })

  it("is off by default and on at the interval set, in the served process", async () => {
    const quiet = serve(["--memory"], { AGENTLEDGER_BOOTSTRAP_TOKEN: token })
    const chatty = serve(["--memory"], { AGENTLEDGER_BOOTSTRAP_TOKEN: token, AGENTLEDGER_STATS_INTERVAL_MS: "200" })
    await Promise.all([listening(quiet), listening(chatty)])
    await new Promise((resolve) => setTimeout(resolve, 700))
    quiet.child.kill("SIGTERM")
    chatty.child.kill("SIGTERM")
    expect(await quiet.exited).toBe(0)
    expect(await chatty.exited).toBe(0)
    expect(statsLines(quiet.stderr())).toEqual([])
    const lines = statsLines(chatty.stderr())
    expect(lines.length).toBeGreaterThanOrEqual(2)
    for (const line of lines) expect(line.rssMib).toBeGreaterThan(10)
  }, 60_000)

  it("refuses an interval that is not a whole number", async () => {
    const served = serve(["--memory", "--stats-interval-ms", "soon"], { AGENTLEDGER_BOOTSTRAP_TOKEN: token })
    expect(await served.exited).toBe(2)
    expect(served.stderr()).toContain("--stats-interval-ms must be a whole number")
  }, 60_000)
})
