/**
 * A hostile tenant beside a quiet one (issue: tenant input is untrusted). One server on
 * embedded PGlite (the default store) with the worker-thread schema checker, as `npm start`
 * serves:
 *
 * - the bystander: another account pings (`GET /api/v1/ping`) every 5 ms from a process of its
 *   own and records each answer's latency — first on the idle server, then while
 * - the hostile tenant, from a third process, registers runs whose definitions are the hostile
 *   corpus (doubly recursive references, `uniqueItems` over thousands of objects, huge enums,
 *   `$async`, nested `$id`s, catastrophic regexes) and sends spans against them, two at a time.
 *
 * Target: the bystander's p99 with the hostile tenant at work ≤ 2 × its p99 on the idle server.
 * Also: conforming spans per second (closed loop, 4 connections) with the worker checker against
 * the in-thread checker of a trusting embedder (what every span paid before), each on a fresh
 * PGlite server, five rounds alternating which goes first, the median of the per-round ratios
 * (target ≥ 0.9: the cost bound measured per span is all the worker checker adds to a
 * conforming span).
 *
 * Knobs: `AGENTLEDGER_BENCH_HOSTILE_MS` (each ping phase, 8000; a throughput round is half).
 */
import { WorkerChecker } from "@agentledger/checker-worker"
import type { Json } from "@agentledger/domain"
import { PgStore } from "@agentledger/store-postgres"
import { type ChildProcess, fork } from "node:child_process"
import { setPriority } from "node:os"
import { fileURLToPath } from "node:url"
import { call, textAt } from "../support/badInput.js"
import { type RunningServer, startServer } from "../support/server.js"
import { sourceExecArgv } from "../support/sources.js"
import { formatInt, formatRatio, printTable, type Verdict } from "./harness.js"

const role = "AGENTLEDGER_BENCH_HOSTILE_ROLE"

const nested = (levels: number): Json.Json => {
  let value: Json.Json = { leaf: "x" }
  for (let level = 0; level < levels; level++) value = { a: value }
  return value
}

/** Definitions and payloads that each cost a naive server seconds, or its life. */
const corpus: ReadonlyArray<readonly [Json.Json, Json.Json]> = [
  [{ allOf: [{ additionalProperties: { $ref: "#" } }, { additionalProperties: { $ref: "#" } }] }, nested(24)],
  [{ type: "object", properties: { a: { type: "array", uniqueItems: true } } }, { a: Array.from({ length: 3000 }, (_, i) => ({ i })) }],
  [{ type: "object", properties: { a: { enum: Array.from({ length: 20_000 }, (_, i) => ({ value: i })) } } }, { a: { value: -1 } }],
  [{ $async: true, required: ["x"] }, { y: 1 }],
  [{ properties: { inner: { $id: "https://example.test/shared", type: "string" } } }, { inner: "x" }],
  [{ type: "object", properties: { a: { type: "string", pattern: "^(a+)+$" } } }, { a: `${"a".repeat(50_000)}!` }]
]

interface Job {
  readonly kind: "ping" | "hostile" | "conforming"
  readonly url: string
  readonly token: string
  readonly durationMs: number
  readonly runs: ReadonlyArray<string>
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** In the child: the job's loop; latencies (ms) of pings, or requests answered. */
const work = async (job: Job): Promise<{ readonly latencies: ReadonlyArray<number>; readonly count: number; readonly errors: number }> => {
  const until = performance.now() + job.durationMs
  const latencies: Array<number> = []
  let count = 0
  let errors = 0
  if (job.kind === "ping") {
    while (performance.now() < until) {
      const started = performance.now()
      const answer = await call(job.url, job.token, "GET", "/api/v1/ping")
      latencies.push(performance.now() - started)
      if (answer.status !== 200) errors++
      await sleep(5)
    }
  } else if (job.kind === "hostile") {
    let index = 0
    const tenant = async () => {
      while (performance.now() < until) {
        const [definition, payload] = corpus[index++ % corpus.length] ?? [{}, {}]
        const run = await call(job.url, job.token, "POST", "/api/v1/agent_instance/register", {
          agent_id: job.runs[0] ?? null,
          environment_id: job.runs[1] ?? null,
          agent_schema_version: { external_identifier: `hostile-${index}`, span_schemas: { t: definition } }
        })
        const id = textAt(run.body, "details", "id")
        const span = await call(job.url, job.token, "POST", "/api/v1/agent_spans", {
          details: { agent_instance_id: id, schema_name: "t", status: "active", payload }
        })
        count++
        if (span.status !== 201) errors++
      }
    }
    await Promise.all([tenant(), tenant()])
  } else {
    const client = async (run: string) => {
      while (performance.now() < until) {
        const answer = await call(job.url, job.token, "POST", "/api/v1/agent_spans", {
          details: { agent_instance_id: run, schema_name: "llm", status: "complete", payload: { prompt: "Where is my order?", model: "m" }, result_payload: { text: "Shipped." } }
        })
        count++
        if (answer.status !== 201) errors++
      }
    }
    await Promise.all(job.runs.map(client))
  }
  return { latencies, count, errors }
}

if (process.env[role] === "1") {
  process.on("message", (job: Job) => {
    void work(job).then((result) => {
      process.send?.(result)
      process.exit(0)
    })
  })
}

/**
 * The load in a process of its own. The hostile tenant's process runs at nice 10: it stands in
 * for a client on another machine, and on two cores its own work (building 400 KB bodies) would
 * otherwise be counted against the server it attacks.
 */
const inChild = (job: Job): Promise<{ readonly latencies: ReadonlyArray<number>; readonly count: number; readonly errors: number }> =>
  new Promise((resolve, reject) => {
    const child: ChildProcess = fork(fileURLToPath(import.meta.url), [], { execArgv: [...sourceExecArgv], env: { ...process.env, [role]: "1" } })
    if (job.kind === "hostile" && child.pid !== undefined) setPriority(child.pid, 10)
    child.once("message", (result: { readonly latencies: ReadonlyArray<number>; readonly count: number; readonly errors: number }) => resolve(result))
    child.once("error", reject)
    child.send(job)
  })

const percentile = (values: ReadonlyArray<number>, q: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN
}

const post = (server: RunningServer, token: string, path: string, body: Json.Json) => call(server.url, token, "POST", path, body)

/** An agent and the default environment of the server's account: ids a register needs. */
const agentOf = async (server: RunningServer, name: string): Promise<readonly [string, string]> => {
  const agent = textAt((await post(server, server.secret, "/api/v1/agent", { details: { name } })).body, "details", "id")
  const environment = textAt((await call(server.url, server.secret, "GET", "/api/v1/environment")).body, "summaries", 0, "id")
  return [agent, environment]
}

const conformingRuns = async (server: RunningServer, count: number): Promise<ReadonlyArray<string>> => {
  const [agent, environment] = await agentOf(server, "conforming")
  const runs: Array<string> = []
  for (let index = 0; index < count; index++) {
    const run = await post(server, server.secret, "/api/v1/agent_instance/register", {
      agent_id: agent,
      environment_id: environment,
      agent_schema_version: { external_identifier: "llm-1", span_schemas: { llm: { type: "object", required: ["prompt"], properties: { prompt: { type: "string" } } } } }
    })
    const id = textAt(run.body, "details", "id")
    await post(server, server.secret, `/api/v1/agent_instance/${id}/start`, {})
    runs.push(id)
  }
  return runs
}

export const runHostileBench = async (): Promise<ReadonlyArray<Verdict>> => {
  console.log("\n## A hostile tenant beside a quiet one (PGlite, worker-thread checker)\n")
  const durationMs = Number(process.env["AGENTLEDGER_BENCH_HOSTILE_MS"] ?? "8000")
  const guarded = await startServer({ store: PgStore.layerPglite(), checker: WorkerChecker.layer() })
  // The throughput pair: two fresh servers, so neither carries the hostile phase's rows.
  const onWorker = await startServer({ store: PgStore.layerPglite(), checker: WorkerChecker.layer() })
  const trusting = await startServer({ store: PgStore.layerPglite() })
  try {
    const bystander = await call(guarded.url, guarded.operatorToken, "POST", "/api/v1/admin/account", { details: { name: "bystander" } })
    const bystanderToken = textAt(bystander.body, "token")
    const hostileIds = await agentOf(guarded, "hostile")

    const idle = await inChild({ kind: "ping", url: guarded.url, token: bystanderToken, durationMs, runs: [] })
    const [busy, hostile] = await Promise.all([
      inChild({ kind: "ping", url: guarded.url, token: bystanderToken, durationMs, runs: [] }),
      inChild({ kind: "hostile", url: guarded.url, token: guarded.secret, durationMs, runs: hostileIds })
    ])
    const idleP99 = percentile(idle.latencies, 0.99)
    const busyP99 = percentile(busy.latencies, 0.99)

    const workerRuns = await conformingRuns(onWorker, 4)
    const trustingRuns = await conformingRuns(trusting, 4)
    const rounds: Array<number> = []
    const rates: Array<readonly [number, number]> = []
    const seconds = durationMs / 2000
    for (let round = 0; round < 5; round++) {
      // Alternating which goes first, so warm-up and drift fall on both alike.
      const first = round % 2 === 0
      const a = first ? await inChild({ kind: "conforming", url: onWorker.url, token: onWorker.secret, durationMs: durationMs / 2, runs: workerRuns }) : null
      const b = await inChild({ kind: "conforming", url: trusting.url, token: trusting.secret, durationMs: durationMs / 2, runs: trustingRuns })
      const worker = a ?? await inChild({ kind: "conforming", url: onWorker.url, token: onWorker.secret, durationMs: durationMs / 2, runs: workerRuns })
      rates.push([worker.count / seconds, b.count / seconds])
      rounds.push(worker.count / Math.max(1, b.count))
    }
    const throughputRatio = [...rounds].sort((x, y) => x - y)[2] ?? Number.NaN

    printTable(["measure", "value"], [
      ["bystander ping p50 / p99, idle", `${percentile(idle.latencies, 0.5).toFixed(2)} / ${idleP99.toFixed(2)} ms (${idle.latencies.length} pings)`],
      ["bystander ping p50 / p99, hostile tenant at work", `${percentile(busy.latencies, 0.5).toFixed(2)} / ${busyP99.toFixed(2)} ms (${busy.latencies.length} pings, ${busy.errors} errors)`],
      ["hostile spans answered (non-201)", `${formatInt(hostile.count)} (${hostile.errors})`],
      ["conforming spans/s, worker checker vs in-thread (per round)", rates.map(([a, b]) => `${formatInt(a)} vs ${formatInt(b)}`).join("; ")]
    ])
    return [
      { module: "hostile", target: "bystander p99 under the hostile corpus ≤ 2 × idle p99", measured: `${busyP99.toFixed(2)} ms vs ${idleP99.toFixed(2)} ms (${formatRatio(busyP99 / idleP99)})`, pass: busyP99 <= 2 * idleP99 && busy.errors === 0 },
      { module: "hostile", target: "conforming spans/s, worker checker ≥ 0.9 × in-thread", measured: formatRatio(throughputRatio), pass: throughputRatio >= 0.9 }
    ]
  } finally {
    await guarded.close()
    await onWorker.close()
    await trusting.close()
  }
}
