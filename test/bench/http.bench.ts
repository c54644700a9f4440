/**
 * Span creation over HTTP (issue: the HTTP server's speed targets): `POST /api/v1/agent_spans`
 * with `{details: {agent_instance_id, schema_name, status: "complete", payload, result_payload,
 * started_at, finished_at}}`, sent by a keep-alive `node:http` client, to
 *
 * - agentledger on a PostgreSQL server this bench starts (durability on, as in postgres.bench;
 *   `AGENTLEDGER_BENCH_DURABLE=0` turns it off), the store's pool at 4 connections;
 * - agentledger on embedded PGlite (in memory);
 * - the baseline: a bare `node:http` handler that parses the same JSON body, checks its fields
 *   by hand and does one single-row `INSERT` with `pg` (a pool of 4) into the same `agent_spans`
 *   table on the same PostgreSQL server, answering with the span as JSON.
 *
 * The load comes from a child process (`load.ts`), so the client does not share the servers'
 * event loop. Two kinds of load:
 *
 * - closed loop: `c` connections, each sending its next request when the last one is answered
 *   (c = 4 and c = 1), each connection on a run of its own; the three targets in alternating
 *   rounds, ratios as the median of the per-round ratios;
 * - open loop: 1,000 spans/s for a few seconds, each request sent at its scheduled time whatever
 *   the answers do; its latency counts from the scheduled time (no coordinated omission). Then
 *   the same at 250 spans/s (`AGENTLEDGER_BENCH_HTTP_LIGHT_RATE`), a load agentledger can keep up
 *   with here, for its latency when not saturated.
 *
 * Knobs (environment): `AGENTLEDGER_BENCH_HTTP_ROUNDS` (3), `AGENTLEDGER_BENCH_HTTP_MS` (closed-loop
 * round, 2000), `AGENTLEDGER_BENCH_HTTP_OPEN_MS` (open-loop run, 4000).
 *
 * Targets: agentledger (PostgreSQL) ≥ 0.5 × the baseline's throughput; p99 < 50 ms at
 * 1,000 spans/s.
 */
import { PgStore } from "@agentledger/store-postgres"
import { startPostgres } from "@agentledger/testkit/postgres"
import { extractPartition, generate } from "@prefactor/pfid"
import { Redacted } from "effect"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import pg from "pg"
import { startServer } from "../support/server.js"
import { formatInt, formatRatio, printTable, type Verdict } from "./harness.js"
import { checked, type LoadResult, median, ms, percentile, pooled, rateOf, type RunIds, setUp, startLoad, type Target } from "./load.js"

// ---------------------------------------------------------------------------------------------
// The baseline: a bare node:http handler over pg

const isRecord = (value: unknown): value is { readonly [key: string]: unknown } =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const spanColumns = [
  "account_id", "id", "agent_id", "agent_instance_id", "parent_span_id", "schema_name", "schema_title", "status",
  "payload", "result_payload", "summary", "started_at", "finished_at", "conformance", "risk_points", "sequence",
  "inserted_at", "updated_at"
] as const
const insertSpan = `INSERT INTO agent_spans (${spanColumns.join(", ")}) VALUES (${spanColumns.map((_, i) => `$${i + 1}`).join(", ")})`
const conformance = JSON.stringify({ payload: "conforms", result: "conforms", errors: [] })

interface Answer {
  readonly status: number
  readonly body: string
}

const fail = (status: number, code: string, message: string): Answer => ({ status, body: JSON.stringify({ status: "error", code, message }) })

const startBaseline = async (databaseUrl: string, runs: ReadonlyArray<RunIds>, token: string) => {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 })
  const known = new Map(runs.map((run) => [run.id, run]))
  const sequences = new Map(runs.map((run) => [run.id, 1_000_000]))
  const handle = async (authorization: string | undefined, text: string): Promise<Answer> => {
    if (authorization !== `Bearer ${token}`) return fail(401, "unauthorized", "unknown API token")
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      return fail(400, "bad_request", "the body is not valid JSON")
    }
    const details = isRecord(body) ? body["details"] : undefined
    if (!isRecord(details)) return fail(400, "validation_errors", "details is required")
    const instanceId = details["agent_instance_id"]
    const schemaName = details["schema_name"]
    const status = details["status"]
    const payload = details["payload"]
    const result = details["result_payload"] ?? null
    const startedAt = details["started_at"]
    const finishedAt = details["finished_at"] ?? null
    if (
      typeof instanceId !== "string" || typeof schemaName !== "string" || typeof status !== "string" || !isRecord(payload) ||
      (result !== null && !isRecord(result)) || typeof startedAt !== "string" || (finishedAt !== null && typeof finishedAt !== "string")
    ) {
      return fail(400, "validation_errors", "a field has the wrong type")
    }
    const run = known.get(instanceId)
    if (run === undefined) return fail(404, "not_found", "no such agent instance")
    const sequence = (sequences.get(instanceId) ?? 0) + 1
    sequences.set(instanceId, sequence)
    const id = generate(extractPartition(instanceId))
    const now = new Date()
    const started = new Date(startedAt)
    const finished = finishedAt === null ? null : new Date(finishedAt)
    await pool.query(insertSpan, [
      run.account_id, id, run.agent_id, run.id, null, schemaName, schemaName, status, JSON.stringify(payload),
      result === null ? null : JSON.stringify(result), null, started, finished, conformance, 0, sequence, now, now
    ])
    return {
      status: 201,
      body: JSON.stringify({
        status: "success",
        details: {
          type: "agent_span",
          id,
          account_id: run.account_id,
          agent_id: run.agent_id,
          agent_instance_id: run.id,
          parent_span_id: null,
          schema_name: schemaName,
          schema_title: schemaName,
          status,
          payload,
          result_payload: result,
          summary: null,
          started_at: started.toISOString(),
          finished_at: finished === null ? null : finished.toISOString(),
          inserted_at: now.toISOString(),
          updated_at: now.toISOString()
        }
      })
    }
  }
  const server = http.createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      handle(request.headers.authorization, Buffer.concat(chunks).toString("utf8"))
        .catch((error: unknown) => fail(500, "internal_error", String(error)))
        .then((answer) => {
          response.writeHead(answer.status, { "content-type": "application/json", "content-length": Buffer.byteLength(answer.body) })
          response.end(answer.body)
        })
    })
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address: AddressInfo | string | null = server.address()
  if (address === null || typeof address === "string") throw new Error("the baseline has no TCP address")
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await pool.end()
    }
  }
}

export const runHttpBench = async (): Promise<ReadonlyArray<Verdict>> => {
  console.log("\n## HTTP: span creation, agentledger vs a bare node:http + pg handler\n")
  const rounds = Number(process.env["AGENTLEDGER_BENCH_HTTP_ROUNDS"] ?? "3")
  const closedMs = Number(process.env["AGENTLEDGER_BENCH_HTTP_MS"] ?? "2000")
  const openRate = 1000
  const openRates = [openRate, Number(process.env["AGENTLEDGER_BENCH_HTTP_LIGHT_RATE"] ?? "250")] as const
  const openMs = Number(process.env["AGENTLEDGER_BENCH_HTTP_OPEN_MS"] ?? "4000")
  const connections = [4, 1] as const

  const database = await startPostgres({ durable: process.env["AGENTLEDGER_BENCH_DURABLE"] !== "0" })
  const cleanups: Array<() => Promise<void>> = [async () => database.stop()]
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch((error: unknown) => console.error("cleanup failed:", error))
  }
  try {
    const onPg = await startServer({ store: PgStore.layerPg({ url: Redacted.make(database.url), maxConnections: 4 }) })
    cleanups.push(onPg.close)
    const onPglite = await startServer({ store: PgStore.layerPglite() })
    cleanups.push(onPglite.close)
    const load = await startLoad()
    cleanups.push(load.close)

    const pgRuns = await setUp(onPg, "http bench agent", 4)
    const baselineRuns = await setUp(onPg, "http bench baseline agent", 4)
    const pgliteRuns = await setUp(onPglite, "http bench agent", 4)
    const baselineToken = "baseline-token"
    const baseline = await startBaseline(database.url, baselineRuns.runs, baselineToken)
    cleanups.push(baseline.close)

    const targets: ReadonlyArray<Target> = [
      { name: "bare node:http + pg INSERT (baseline)", url: baseline.url, token: baselineToken, instances: baselineRuns.runs.map((r) => r.id) },
      { name: "agentledger, PostgreSQL store", url: onPg.url, token: pgRuns.token, instances: pgRuns.runs.map((r) => r.id) },
      { name: "agentledger, PGlite store", url: onPglite.url, token: pgliteRuns.token, instances: pgliteRuns.runs.map((r) => r.id) }
    ]

    // Closed loop: the three targets in alternating rounds.
    const closed = new Map<number, Array<Array<LoadResult>>>()
    for (const c of connections) {
      const perTarget: Array<Array<LoadResult>> = targets.map(() => [])
      for (let round = 0; round < rounds; round++) {
        for (const [t, target] of targets.entries()) {
          const result = await load.run({
            url: target.url,
            token: target.token,
            instances: target.instances,
            mode: "closed",
            concurrency: c,
            rate: 0,
            warmupMs: round === 0 ? 1000 : 300,
            durationMs: closedMs
          })
          perTarget[t]?.push(checked(target, result))
        }
      }
      closed.set(c, perTarget)
    }

    // Open loop: 1,000 spans/s (the target), then a lighter load for comparison.
    const open = new Map<number, Array<LoadResult>>()
    for (const rate of openRates) {
      const perTarget: Array<LoadResult> = []
      for (const target of targets) {
        perTarget.push(checked(target, await load.run({
          url: target.url,
          token: target.token,
          instances: target.instances,
          mode: "open",
          concurrency: 0,
          rate,
          warmupMs: 500,
          durationMs: openMs
        })))
      }
      open.set(rate, perTarget)
    }

    // Report.
    const rows: Array<Array<string>> = []
    const ratios = new Map<string, number>()
    for (const c of connections) {
      const perTarget = closed.get(c) ?? []
      const base = perTarget[0] ?? []
      for (const [t, target] of targets.entries()) {
        const results = perTarget[t] ?? []
        const sorted = pooled(results)
        const ratio = t === 0 ? 1 : median(results.map((r, round) => rateOf(r) / rateOf(base[round] ?? r)))
        ratios.set(`${t}/${c}`, ratio)
        rows.push([
          `closed loop, ${c} conn.`,
          target.name,
          `${formatInt(median(results.map(rateOf)))}`,
          ms(percentile(sorted, 0.5)),
          ms(percentile(sorted, 0.99)),
          t === 0 ? "1.00×" : formatRatio(ratio),
          `${results.reduce((n, r) => n + r.errors, 0)}`
        ])
      }
    }
    for (const rate of openRates) {
      for (const [t, target] of targets.entries()) {
        const result = open.get(rate)?.[t]
        if (result === undefined) continue
        const sorted = pooled([result])
        rows.push([
          `open loop, ${formatInt(rate)}/s for ${openMs / 1000} s`,
          target.name,
          formatInt(rateOf(result)),
          ms(percentile(sorted, 0.5)),
          ms(percentile(sorted, 0.99)),
          "",
          `${result.errors}`
        ])
      }
    }
    console.log(`closed loop: ${rounds} rounds of ${closedMs / 1000} s per target and connection count, targets alternating; ` +
      "spans/s is the median round, p50/p99 over all rounds' requests, the ratio the median of per-round ratios; open loop: spans/s is the rate answered, latency counts from each request's scheduled time")
    printTable(["load", "server", "spans/s", "p50", "p99", "× baseline spans/s", "errors"], rows)

    const pgRatio4 = ratios.get("1/4") ?? Number.NaN
    const pgRatio1 = ratios.get("1/1") ?? Number.NaN
    const liteRatio4 = ratios.get("2/4") ?? Number.NaN
    const atTarget = open.get(openRate) ?? []
    const p99Of = (t: number) => {
      const result = atTarget[t]
      return result === undefined ? Number.NaN : percentile(pooled([result]), 0.99)
    }
    const answeredRate = (t: number) => {
      const result = atTarget[t]
      return result === undefined ? 0 : rateOf(result)
    }
    // The load must have been served: no errors, and answers at (nearly) the rate sent.
    const openOk = (t: number) => atTarget[t]?.errors === 0 && answeredRate(t) >= 0.95 * openRate
    const verdicts: Array<Verdict> = [
      {
        module: "http",
        target: "span create over HTTP, PostgreSQL store ≥ 0.5 × bare node:http + pg INSERT spans/s (4 connections)",
        measured: `${formatRatio(pgRatio4)} at 4 conn., ${formatRatio(pgRatio1)} at 1 (PGlite ${formatRatio(liteRatio4)} at 4)`,
        pass: pgRatio4 >= 0.5
      },
      {
        module: "http",
        target: "p99 < 50 ms at 1,000 spans/s (open loop), PostgreSQL store",
        measured: `p99 ${ms(p99Of(1))} (baseline ${ms(p99Of(0))}), ${formatInt(answeredRate(1))} spans/s answered`,
        pass: p99Of(1) < 50 && openOk(1)
      },
      {
        module: "http",
        target: "p99 < 50 ms at 1,000 spans/s (open loop), PGlite store",
        measured: `p99 ${ms(p99Of(2))}, ${formatInt(answeredRate(2))} spans/s answered`,
        pass: p99Of(2) < 50 && openOk(2)
      }
    ]
    for (const v of verdicts) console.log(`${v.pass ? "pass" : "miss"}: ${v.target} — ${v.measured}`)
    return verdicts
  } finally {
    await cleanup()
  }
}
