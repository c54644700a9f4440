/**
 * The load of the HTTP benches (http.bench.ts, embedded.bench.ts): span creates sent by a
 * keep-alive `node:http` client from a child process (this file, forked with
 * `AGENTLEDGER_BENCH_HTTP_LOAD=1`), so the client does not share the server's event loop; runs set
 * up through the API; and the figures taken from the answers.
 *
 * - closed loop: `concurrency` connections, each sending its next request when the last one is
 *   answered, each connection on a run of its own (round-robin over the runs given);
 * - open loop: `rate` spans/s, each request sent at its scheduled time whatever the answers do;
 *   its latency counts from the scheduled time (no coordinated omission).
 */
import { Schema } from "effect"
import { type ChildProcess, fork } from "node:child_process"
import * as http from "node:http"
import { fileURLToPath } from "node:url"
import { deployAgent } from "../support/deployAgent.js"
import type { Json } from "../support/json.js"
import { call, expectAnswer } from "../support/jsonClient.js"
import { Details } from "../support/resources.js"
import { sourceExecArgv } from "../support/sources.js"

// ---------------------------------------------------------------------------------------------
// What travels between the bench and its load process

export const LoadJob = Schema.Struct({
  id: Schema.Number,
  url: Schema.String,
  token: Schema.String,
  instances: Schema.Array(Schema.String),
  mode: Schema.Literal("closed", "open"),
  /** Closed loop: connections. */
  concurrency: Schema.Number,
  /** Open loop: requests per second. */
  rate: Schema.Number,
  warmupMs: Schema.Number,
  durationMs: Schema.Number
})
export type LoadJob = typeof LoadJob.Type

export const LoadResult = Schema.Struct({
  id: Schema.Number,
  /** Requests answered 2xx in the measured phase. */
  count: Schema.Number,
  /** Requests answered in the warm-up (any status). */
  warmupCount: Schema.Number,
  /** Requests refused for want of capacity: 503 with Retry-After (admission control). */
  shed: Schema.Number,
  /** Requests answered with any other status, or that failed on the wire. */
  errors: Schema.Number,
  firstError: Schema.NullOr(Schema.String),
  /** From the first measured send to the last measured answer. */
  elapsedMs: Schema.Number,
  /** Milliseconds per measured request answered 2xx (the admitted). */
  latencies: Schema.instanceOf(Float64Array)
})
export type LoadResult = typeof LoadResult.Type

const Exit = Schema.Struct({ exit: Schema.Literal(true) })
const LoadMessage = Schema.Union(LoadJob, Exit)

// ---------------------------------------------------------------------------------------------
// The span a client sends: a realistic LLM call

/** The payload of the benches' LLM call, the `i`-th. */
export const llmPayload = (i: number) => ({
  span_id: `local-${i}`,
  name: "chat completion",
  inputs: { messages: [{ role: "user", content: `Where is order ${i}? It was due on Tuesday.` }] },
  metadata: { model: "gpt-x", temperature: 0.2 }
})

/** The result of the benches' LLM call, the `i`-th. */
export const llmResult = (i: number) => ({
  outputs: { text: `Order ${i} shipped yesterday.` },
  token_usage: { prompt_tokens: 42, completion_tokens: 9 }
})

/** A realistic LLM-call span (≈ 480 bytes), as the HTTP benches send it. */
export const spanBody = (instance: string, i: number): string => {
  const finished = Date.now()
  return JSON.stringify({
    details: {
      agent_instance_id: instance,
      schema_name: "llm",
      status: "complete",
      payload: llmPayload(i),
      result_payload: llmResult(i),
      started_at: new Date(finished - 250).toISOString(),
      finished_at: new Date(finished).toISOString()
    }
  })
}

// ---------------------------------------------------------------------------------------------
// The load process

const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6

interface Sent {
  readonly status: number
  /** A 503 with Retry-After: shed by admission control, to be retried. */
  readonly shed: boolean
  readonly error: string | null
}

const sender = (job: LoadJob, maxSockets: number) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets })
  const target = new URL(job.url)
  const send = (body: string): Promise<Sent> =>
    new Promise((resolve) => {
      const request = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: "/api/v1/agent_spans",
          method: "POST",
          headers: {
            authorization: `Bearer ${job.token}`,
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body)
          }
        },
        (response) => {
          const status = response.statusCode ?? 0
          const chunks: Array<Buffer> = []
          response.on("data", (chunk: Buffer) => {
            if (status >= 300) chunks.push(chunk)
          })
          const shed = status === 503 && response.headers["retry-after"] !== undefined
          response.on("end", () =>
            resolve({ status, shed, error: (status >= 200 && status < 300) || shed ? null : `${status} ${Buffer.concat(chunks).toString("utf8").slice(0, 300)}` })
          )
        }
      )
      request.on("error", (error) => resolve({ status: 0, shed: false, error: String(error) }))
      request.end(body)
    })
  return { send, close: () => agent.destroy() }
}

const closedLoop = async (job: LoadJob): Promise<LoadResult> => {
  const { close, send } = sender(job, job.concurrency)
  const latencies: Array<number> = []
  let errors = 0
  let shed = 0
  let firstError: string | null = null
  let counter = 0
  let warmupCount = 0
  let measuring = false
  let firstSend = Number.POSITIVE_INFINITY
  let lastAnswer = 0
  const worker = async (connection: number, until: number) => {
    const instance = job.instances[connection % job.instances.length] ?? ""
    while (nowMs() < until) {
      const body = spanBody(instance, counter++)
      const start = nowMs()
      const sent = await send(body)
      const end = nowMs()
      if (!measuring) {
        warmupCount++
        continue
      }
      firstSend = Math.min(firstSend, start)
      lastAnswer = Math.max(lastAnswer, end)
      if (sent.shed) shed++
      else if (sent.error !== null) {
        errors++
        firstError ??= sent.error
      } else latencies.push(end - start)
    }
  }
  const connections = Array.from({ length: job.concurrency }, (_, i) => i)
  await Promise.all(connections.map((c) => worker(c, nowMs() + job.warmupMs)))
  measuring = true
  const until = nowMs() + job.durationMs
  await Promise.all(connections.map((c) => worker(c, until)))
  close()
  return {
    id: job.id,
    count: latencies.length,
    warmupCount,
    shed,
    errors,
    firstError,
    elapsedMs: lastAnswer - firstSend,
    latencies: Float64Array.from(latencies)
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

const openLoop = async (job: LoadJob): Promise<LoadResult> => {
  const { close, send } = sender(job, 256)
  const latencies: Array<number> = []
  let errors = 0
  let shed = 0
  let firstError: string | null = null
  let counter = 0
  let warmupCount = 0
  let lastAnswer = 0
  const paced = async (durationMs: number, record: boolean) => {
    const total = Math.round((job.rate * durationMs) / 1000)
    const start = nowMs()
    const inFlight: Array<Promise<void>> = []
    let next = 0
    while (next < total) {
      const now = nowMs()
      while (next < total && start + (next * 1000) / job.rate <= now) {
        const scheduled = start + (next * 1000) / job.rate
        const instance = job.instances[next % job.instances.length] ?? ""
        inFlight.push(send(spanBody(instance, counter++)).then((sent) => {
          if (!record) {
            warmupCount++
            return
          }
          const end = nowMs()
          lastAnswer = Math.max(lastAnswer, end)
          if (sent.shed) shed++
          else if (sent.error !== null) {
            errors++
            firstError ??= sent.error
          } else latencies.push(end - scheduled)
        }))
        next++
      }
      await sleep(1)
    }
    await Promise.all(inFlight)
    return start
  }
  await paced(job.warmupMs, false)
  const start = await paced(job.durationMs, true)
  close()
  return { id: job.id, count: latencies.length, warmupCount, shed, errors, firstError, elapsedMs: lastAnswer - start, latencies: Float64Array.from(latencies) }
}

const loadRole = "AGENTLEDGER_BENCH_HTTP_LOAD"

if (process.env[loadRole] === "1") {
  const decode = Schema.decodeUnknownSync(LoadMessage)
  process.on("disconnect", () => process.exit(0))
  process.on("message", (raw: unknown) => {
    const message = decode(raw)
    if ("exit" in message) {
      process.exit(0)
    }
    const job = message
    void (job.mode === "closed" ? closedLoop(job) : openLoop(job)).then((result) => process.send?.(result))
  })
}

/**
 * A bench module forked as its own load process (under tsx, `role` set to "1" in its
 * environment, structured clone on its channel), once it has started.
 */
export const forkLoadProcess = async (moduleUrl: string, role: string): Promise<ChildProcess> => {
  const child: ChildProcess = fork(fileURLToPath(moduleUrl), [], {
    execArgv: [...sourceExecArgv],
    env: { ...process.env, [role]: "1" },
    serialization: "advanced",
    stdio: ["ignore", "inherit", "inherit", "ipc"]
  })
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve)
    child.once("error", reject)
  })
  return child
}

/** The load process, forked from this file; one job at a time. */
export const startLoad = async () => {
  const child = await forkLoadProcess(import.meta.url, loadRole)
  const decode = Schema.decodeUnknownSync(LoadResult)
  let jobs = 0
  const run = (job: Omit<LoadJob, "id">): Promise<LoadResult> =>
    new Promise((resolve, reject) => {
      const id = ++jobs
      const onMessage = (raw: unknown) => {
        const result = decode(raw)
        if (result.id !== id) return
        child.off("message", onMessage)
        child.off("exit", onExit)
        resolve(result)
      }
      const onExit = (code: number | null) => reject(new Error(`the load process exited (${code}) during a job`))
      child.on("message", onMessage)
      child.once("exit", onExit)
      child.send({ ...job, id })
    })
  return {
    run,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once("exit", () => resolve())
        child.send({ exit: true })
        setTimeout(() => child.kill(), 2_000).unref()
      })
  }
}

export interface RunIds {
  readonly id: string
  readonly account_id: string
  readonly agent_id: string
}

// ---------------------------------------------------------------------------------------------
// Setting runs up through the API

const agentSchema = {
  external_identifier: "http-bench-schema",
  span_type_schemas: [{ name: "llm", params_schema: { type: "object" }, result_schema: { type: "object" } }]
}

const RegisteredRun = Schema.Struct({ id: Schema.String, account_id: Schema.String, agent_id: Schema.String })

/** An agent with a deployment-scoped token, and `count` started runs. */
export const setUp = async (server: { readonly url: string; readonly secret: string }, name: string, count: number) => {
  const deployed = await deployAgent(server.url, server.secret, { name })
  const register: Json = {
    agent_version: { external_identifier: "1.0.0", name, description: "http.bench" },
    agent_schema_version: agentSchema
  }
  const runs: Array<RunIds> = []
  for (let i = 0; i < count; i++) {
    const answer = await call(server.url, deployed.token, "POST", "/api/v1/agent_instance/register", register)
    const run = expectAnswer(answer, 201, Details(RegisteredRun), "register").details
    expectAnswer(await call(server.url, deployed.token, "POST", `/api/v1/agent_instance/${run.id}/start`, {}), 200, Details(RegisteredRun), "start")
    runs.push(run)
  }
  return { token: deployed.token, runs }
}

// ---------------------------------------------------------------------------------------------
// Figures

export const percentile = (sorted: Float64Array, q: number): number =>
  sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN)

export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2
}

export const ms = (value: number): string => (value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0)) + " ms"

/** Latencies of several results pooled, sorted. */
export const pooled = (results: ReadonlyArray<LoadResult>): Float64Array => {
  const all = new Float64Array(results.reduce((n, r) => n + r.latencies.length, 0))
  let at = 0
  for (const r of results) {
    all.set(r.latencies, at)
    at += r.latencies.length
  }
  return all.sort()
}

export const rateOf = (r: LoadResult): number => (r.count * 1000) / r.elapsedMs

export interface Target {
  readonly name: string
  readonly url: string
  readonly token: string
  readonly instances: ReadonlyArray<string>
}

export const checked = (target: Target, result: LoadResult): LoadResult => {
  if (result.errors > 0) {
    console.log(`  ! ${target.name}: ${result.errors} of ${result.count} requests failed; first: ${result.firstError ?? "?"}`)
  }
  return result
}
