/**
 * The full timeline of a 10,000-span run against the driver's own read of the same rows (issue
 * 13: the timeline keeps its payloads, so its floor is what `pg` itself takes to bring them in,
 * not a fixed time). On a PostgreSQL server this bench starts:
 *
 * - floor: a bare `pg.Client` running `SELECT <the span's 18 columns> FROM agent_spans WHERE
 *   account_id = $1 AND agent_instance_id = $2 ORDER BY sequence`, with the driver's default
 *   parsing (jsonb parsed to objects, timestamptz to `Date`) and nothing else done;
 * - Ledger: `session.getTimeline(run)` through `LedgerLive` over store-postgres (pool of 4): the
 *   run and its spans read, decoded into domain values, the tree built and flattened;
 * - HTTP: `GET /api/v1/agent_instance/{id}/timeline` from the agentledger server over the same
 *   Ledger, in this process, timed to the answer's last byte (what a user waits for; the client's
 *   own JSON parse is left out);
 * - bare HTTP, the floor of a server: a `node:http` handler in this process that runs the floor's
 *   query on its own `pg.Client` and answers `JSON.stringify` of the rows in the same envelope.
 *
 * The run: 10,000 spans recorded in batches of 500, each with its own start and end (as an SDK
 * reports them), 1,000 roots with nine children each, an LLM-call payload (≈ 390 bytes) and
 * result (≈ 230 bytes). The three reads run in interleaved rounds (the first round a warm-up);
 * each ratio is the median of its per-round ratios to its floor. A full garbage collection runs
 * before each read, so no read pays for another's garbage. Targets: Ledger ≤ 1.3 × the driver's
 * read (the figure); agentledger's HTTP answer ≤ 1.3 × the bare server's (what users see).
 * `AGENTLEDGER_BENCH_TIMELINE_ROUNDS` (11) sets the rounds; `AGENTLEDGER_BENCH_TIMELINE_GC=0` leaves the
 * collections out (each read then also pays for the garbage of the one before it).
 */
import { PgStore } from "@agentledger/store-postgres"
import { startPostgres } from "@agentledger/testkit/postgres"
import { Effect, Redacted } from "effect"
import * as http from "node:http"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import pg from "pg"
import { startServer } from "../support/server.js"
import { formatNs, formatRatio, printTable, type Verdict } from "./harness.js"
import { recordWideRun } from "./wideRun.js"

const spanCount = 10_000
const batchSize = 500
const childrenPerRoot = 9

const payloadOf = (i: number) => ({
  span_id: `local-${i}`,
  name: "chat completion",
  inputs: {
    messages: [
      { role: "system", content: "You are the order desk of a small shop. Answer briefly and cite the order." },
      { role: "user", content: `Where is order ${i}? It was due on Tuesday and the tracking page shows nothing.` }
    ]
  },
  metadata: { model: "gpt-x", temperature: 0.2, max_tokens: 256, trace: `trace-${i % 97}` }
})

const resultOf = (i: number) => ({
  outputs: { text: `Order ${i} left the warehouse yesterday; the carrier expects to deliver it on Friday.` },
  token_usage: { prompt_tokens: 58, completion_tokens: 21, total_tokens: 79 },
  finish_reason: "stop"
})

const spanColumns = [
  "account_id", "id", "agent_id", "agent_instance_id", "parent_span_id", "schema_name", "schema_title", "status",
  "payload", "result_payload", "summary", "started_at", "finished_at", "conformance", "risk_points", "sequence",
  "inserted_at", "updated_at"
] as const

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2
}

/**
 * A full garbage collection, so each read starts from the same heap and pays only for its own
 * garbage (without it, a read would pay for the collection of the previous read's 10,000 rows).
 * `--expose-gc` set at run time: the bench runs under tsx, whose command line it does not own.
 */
const collectGarbage = (() => {
  if (process.env["AGENTLEDGER_BENCH_TIMELINE_GC"] === "0") return () => undefined
  setFlagsFromString("--expose-gc")
  const gc: unknown = runInNewContext("gc")
  return typeof gc === "function" ? () => void gc() : () => undefined
})()

const timed = async (work: () => Promise<number>): Promise<{ readonly ns: number; readonly count: number }> => {
  collectGarbage()
  const start = process.hrtime.bigint()
  const count = await work()
  return { ns: Number(process.hrtime.bigint() - start), count }
}

/** The bare server: the driver's rows as JSON, nothing else. */
const startBare = async (url: string, sqlText: string, params: ReadonlyArray<string>) => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const server = http.createServer((_request, response) => {
    client.query(sqlText, [...params]).then(
      (result) => {
        const body = JSON.stringify({ status: "success", details: { spans: result.rows } })
        response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) })
        response.end(body)
      },
      (error: unknown) => {
        response.writeHead(500)
        response.end(String(error))
      }
    )
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await client.end()
    }
  }
}

/** GET `path` with a bearer token; the answer's byte count, once its last byte is in. */
const getBytes = (url: string, path: string, token: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const target = new URL(url)
    const request = http.get({ host: target.hostname, port: target.port, path, headers: { authorization: `Bearer ${token}` } }, (response) => {
      let bytes = 0
      response.on("data", (chunk: Buffer) => (bytes += chunk.length))
      response.on("end", () => (response.statusCode === 200 ? resolve(bytes) : reject(new Error(`GET ${path}: ${response.statusCode}`))))
    })
    request.on("error", reject)
  })

export const runTimelineBench = async (): Promise<ReadonlyArray<Verdict>> => {
  console.log(`\n## The full timeline of a ${spanCount.toLocaleString("en")}-span run against the driver's read of the same rows (PostgreSQL)\n`)
  const rounds = Number(process.env["AGENTLEDGER_BENCH_TIMELINE_ROUNDS"] ?? "11")
  const database = await startPostgres()
  const server = await startServer({ store: PgStore.layerPg({ url: Redacted.make(database.url), maxConnections: 4 }) })
  const client = new pg.Client({ connectionString: database.url })
  let closeBare = async () => {}
  try {
    await client.connect()
    const session = await Effect.runPromise(server.ledger.authenticate(server.secret))
    const run = await recordWideRun(session, {
      agentName: "timeline bench agent",
      spanCount,
      batchSize,
      childrenPerRoot,
      payloadOf,
      resultOf,
      schemaNameOf: (i, isRoot) => (isRoot ? "agent" : i % 3 === 0 ? "tool" : "llm")
    })

    const floorSql = `SELECT ${spanColumns.join(", ")} FROM agent_spans WHERE account_id = $1 AND agent_instance_id = $2 ORDER BY sequence`
    const floor = () => client.query(floorSql, [session.principal.account_id, run.id]).then((result) => result.rows.length)
    const ledger = () => Effect.runPromise(session.getTimeline(run.id)).then((timeline) => timeline.spans.length)
    const overHttp = () => getBytes(server.url, `/api/v1/agent_instance/${run.id}/timeline`, server.secret)
    const bare = await startBare(database.url, floorSql, [session.principal.account_id, run.id])
    closeBare = bare.close
    const overBare = () => getBytes(bare.url, "/", "")

    const samples = { floor: new Array<number>(), ledger: new Array<number>(), http: new Array<number>(), bare: new Array<number>() }
    let rows = 0
    let spans = 0
    let bytes = 0
    let bareBytes = 0
    for (let round = 0; round <= rounds; round++) {
      const a = await timed(floor)
      const b = await timed(ledger)
      const c = await timed(overHttp)
      const d = await timed(overBare)
      rows = a.count
      spans = b.count
      bytes = c.count
      bareBytes = d.count
      // Round 0 warms the connections, the statement plans and the JIT.
      if (round === 0) continue
      samples.floor.push(a.ns)
      samples.ledger.push(b.ns)
      samples.http.push(c.ns)
      samples.bare.push(d.ns)
    }
    const ratioTo = (values: ReadonlyArray<number>, floor: ReadonlyArray<number>) => median(values.map((ns, i) => ns / (floor[i] ?? Number.NaN)))
    const ledgerRatio = ratioTo(samples.ledger, samples.floor)
    const httpRatio = ratioTo(samples.http, samples.bare)
    const httpToDriver = ratioTo(samples.http, samples.floor)
    const range = (values: ReadonlyArray<number>) => `${formatNs(Math.min(...values))} … ${formatNs(Math.max(...values))}`
    const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`
    printTable(["read", "median", "min … max", "× its floor (median of paired rounds)"], [
      [`raw pg: ${rows.toLocaleString("en")} rows, 18 columns, driver's parsing (floor)`, formatNs(median(samples.floor)), range(samples.floor), "1.00×"],
      [`Ledger getTimeline: ${spans.toLocaleString("en")} spans`, formatNs(median(samples.ledger)), range(samples.ledger), formatRatio(ledgerRatio)],
      [`bare node:http, raw pg rows as JSON (HTTP floor): ${mb(bareBytes)}`, formatNs(median(samples.bare)), range(samples.bare), "1.00×"],
      [`agentledger GET …/timeline: ${mb(bytes)}`, formatNs(median(samples.http)), range(samples.http), `${formatRatio(httpRatio)} (${formatRatio(httpToDriver)} the driver's read)`]
    ])
    const complete = rows === spanCount && spans === spanCount
    return [
      {
        module: "timeline",
        target: `full timeline of a ${spanCount.toLocaleString("en")}-span run through the Ledger ≤ 1.3 × the raw driver read of the same rows`,
        measured: `${formatRatio(ledgerRatio)} (${formatNs(median(samples.ledger))} vs ${formatNs(median(samples.floor))})`,
        pass: complete && ledgerRatio <= 1.3
      },
      {
        module: "timeline",
        target: "the same over HTTP (GET …/timeline, to the last byte) ≤ 1.3 × a bare node:http handler sending the driver's rows as JSON",
        measured: `${formatRatio(httpRatio)} (${formatNs(median(samples.http))} vs ${formatNs(median(samples.bare))}; ${formatRatio(httpToDriver)} the driver's read)`,
        pass: complete && httpRatio <= 1.3
      }
    ]
  } finally {
    await closeBare()
    await client.end().catch(() => undefined)
    await server.close()
    database.stop()
  }
}
