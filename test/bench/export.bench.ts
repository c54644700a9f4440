/**
 * The evidence export of a 10,000-span run, streamed, against the timeline read of the same run
 * (issue 16: memory stays flat — RSS growth under 50 MB — and the time is reported beside the
 * timeline's). On a PostgreSQL server this bench starts, with the agentledger server in this
 * process:
 *
 * - export: `GET /api/v1/agent_instance/{id}/export`, read to its last byte by a client that keeps
 *   nothing but a running SHA-256 of the contents (the auditor's hash, checked against the
 *   document's own `sha256` at the end);
 * - timeline: `GET /api/v1/agent_instance/{id}/timeline` of the same run, read the same way
 *   (bytes counted, nothing kept): the whole run built in memory, then sent.
 *
 * The run: 10,000 spans in batches of 500, 1,000 roots with nine children each, each span with a
 * payload of ≈ 3 KB and a result of ≈ 1 KB (≈ 45 MB of document): enough that a read which holds
 * the run whole shows it in its memory. The process's RSS is sampled every 5 ms during each read,
 * from a baseline taken after a full garbage collection; the growth is the peak over that
 * baseline. The export's rounds all run before the timeline's, since a heap the timeline grew is
 * not given back at once and would hide the export's own growth. `AGENTLEDGER_BENCH_EXPORT_ROUNDS`
 * (3) sets the rounds after a warm-up.
 */
import { PgStore } from "@agentledger/store-postgres"
import { startPostgres } from "@agentledger/testkit/postgres"
import { Effect, Redacted } from "effect"
import { createHash } from "node:crypto"
import * as http from "node:http"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { startServer } from "../support/server.js"
import { formatNs, formatRatio, printTable, type Verdict } from "./harness.js"
import { recordWideRun } from "./wideRun.js"

const spanCount = 10_000
const batchSize = 500
const childrenPerRoot = 9
const growthTarget = 50e6

const filler = (i: number, length: number) => `${i}:`.padEnd(length, "abcdefghij")

const payloadOf = (i: number) => ({
  name: "chat completion",
  inputs: {
    messages: [
      { role: "system", content: filler(i, 1500) },
      { role: "user", content: filler(i + 1, 1400) }
    ]
  },
  metadata: { model: "gpt-x", temperature: 0.2, trace: `trace-${i % 97}` }
})

const resultOf = (i: number) => ({ outputs: { text: filler(i, 900) }, token_usage: { prompt_tokens: 58, completion_tokens: 21 } })

const collectGarbage = (() => {
  setFlagsFromString("--expose-gc")
  const gc: unknown = runInNewContext("gc")
  return typeof gc === "function" ? () => void gc() : () => undefined
})()

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

interface Read {
  readonly ns: number
  readonly bytes: number
  /** Peak RSS during the read over the RSS before it. */
  readonly growth: number
  /** For the export: whether the contents hashed to the document's `sha256`. */
  readonly verified: boolean
}

/**
 * GET `path` to its last byte, keeping only a count and, for an export, a SHA-256 of the bytes
 * between `{"export":` and `,"sha256":"<64 hex>"}` (the last 77 bytes are held back until the end).
 */
const read = (url: string, path: string, token: string, hashContents: boolean): Promise<Read> =>
  new Promise((resolve, reject) => {
    collectGarbage()
    const baseline = process.memoryUsage.rss()
    let peak = baseline
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage.rss())
    }, 5)
    const start = process.hrtime.bigint()
    const target = new URL(url)
    const request = http.get({ host: target.hostname, port: target.port, path, headers: { authorization: `Bearer ${token}` } }, (response) => {
      const hash = createHash("sha256")
      const tail = 77
      let skip = Buffer.byteLength("{\"export\":")
      let bytes = 0
      let held = Buffer.alloc(0)
      response.on("data", (chunk: Buffer) => {
        bytes += chunk.length
        if (!hashContents) return
        const skipped = Math.min(skip, chunk.length)
        skip -= skipped
        const joined = Buffer.concat([held, chunk.subarray(skipped)])
        const cut = Math.max(0, joined.length - tail)
        hash.update(joined.subarray(0, cut))
        // A copy: a view would keep the whole chunk alive.
        held = Buffer.from(joined.subarray(cut))
      })
      response.on("end", () => {
        clearInterval(sampler)
        peak = Math.max(peak, process.memoryUsage.rss())
        const ns = Number(process.hrtime.bigint() - start)
        if (response.statusCode !== 200) return reject(new Error(`GET ${path}: ${response.statusCode}`))
        const stated = /^,"sha256":"([0-9a-f]{64})"}$/.exec(held.toString("utf8"))?.[1]
        resolve({ ns, bytes, growth: peak - baseline, verified: hashContents && stated === hash.digest("hex") })
      })
    })
    request.on("error", (error) => {
      clearInterval(sampler)
      reject(error)
    })
  })

export const runExportBench = async (): Promise<ReadonlyArray<Verdict>> => {
  console.log(`\n## The evidence export of a ${spanCount.toLocaleString("en")}-span run, streamed, against its timeline read (PostgreSQL)\n`)
  const rounds = Number(process.env["AGENTLEDGER_BENCH_EXPORT_ROUNDS"] ?? "3")
  const database = await startPostgres()
  const server = await startServer({ store: PgStore.layerPg({ url: Redacted.make(database.url), maxConnections: 4 }) })
  try {
    const session = await Effect.runPromise(server.ledger.authenticate(server.secret))
    const run = await recordWideRun(session, {
      agentName: "export bench agent",
      spanCount,
      batchSize,
      childrenPerRoot,
      payloadOf,
      resultOf,
      schemaNameOf: (_, isRoot) => (isRoot ? "agent" : "llm"),
      // Children start before their roots now and then: the tree's order is not creation order.
      startShift: (i) => (i % 7 === 3 ? -25 : 0)
    })

    const exports: Array<Read> = []
    const timelines: Array<Read> = []
    for (let round = 0; round <= rounds; round++) exports.push(await read(server.url, `/api/v1/agent_instance/${run.id}/export`, server.secret, true))
    for (let round = 0; round <= rounds; round++) timelines.push(await read(server.url, `/api/v1/agent_instance/${run.id}/timeline`, server.secret, false))
    // Round 0 warms the connections, the statement plans and the JIT; memory counts every round.
    const timed = (reads: ReadonlyArray<Read>) => reads.slice(1).map((r) => r.ns)
    const exportNs = median(timed(exports))
    const timelineNs = median(timed(timelines))
    const exportGrowth = Math.max(...exports.map((r) => r.growth))
    const timelineGrowth = Math.max(...timelines.map((r) => r.growth))
    const verified = exports.every((r) => r.verified)
    const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`
    printTable(["read", "median time", "bytes", "peak RSS growth (max over rounds)"], [
      [`GET …/export (streamed; contents hashed as they arrive: ${verified ? "sha256 verified" : "sha256 MISMATCH"})`, formatNs(exportNs), mb(exports[0]?.bytes ?? 0), mb(exportGrowth)],
      ["GET …/timeline (built whole, then sent)", formatNs(timelineNs), mb(timelines[0]?.bytes ?? 0), mb(timelineGrowth)]
    ])
    console.log(`export / timeline time: ${formatRatio(exportNs / timelineNs)}`)
    console.log(`RSS growth by round (round 0 warms up) — export: ${exports.map((r) => mb(r.growth)).join(", ")}; timeline: ${timelines.map((r) => mb(r.growth)).join(", ")}`)
    return [
      {
        module: "export",
        target: `export of a ${spanCount.toLocaleString("en")}-span run (≈ ${mb(exports[0]?.bytes ?? 0)}) streamed with RSS growth < ${mb(growthTarget)}`,
        measured: `${mb(exportGrowth)} (the timeline read of the same run: ${mb(timelineGrowth)}); ${formatNs(exportNs)}, ${formatRatio(exportNs / timelineNs)} the timeline's ${formatNs(timelineNs)}`,
        pass: verified && exportGrowth < growthTarget
      }
    ]
  } finally {
    await server.close()
    database.stop()
  }
}
