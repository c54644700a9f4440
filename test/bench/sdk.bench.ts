/**
 * The real `@prefactor/core@0.2.9` SDK's request stream (its wire protocol: docs/http.md,
 * "Pointing a Prefactor SDK at it"): one worker, strictly sequential requests.
 * A round drives `runs` runs through one fresh SDK core — each run register, start, an agent
 * span with three children (llm, tool, chain; each one create), the agent span's finish and the
 * run's finish: 8 requests — and lasts until `await core.shutdown()` has drained the queue.
 *
 * Against agentledger (in-memory store; the default store, PGlite in a worker thread, as `npm start`
 * runs it; a deployment-scoped token created through
 * the API) and against a bare `node:http` server that reads and parses each body and answers
 * `{"status":"success","details":{"id":"<pfid>"}}`. The servers run in this process, like the
 * SDK: the stream is sequential, so the SDK and a server never work at the same time anyway.
 * Targets alternate round by round; the ratio is the median of the per-round ratios.
 *
 * Request latency is taken from the SDK's side: its `fetch` (captured when the core is created)
 * is wrapped to time each call from its start to the response's headers.
 *
 * Targets: agentledger costs the SDK ≤ 1.5 × the bare server's time on the in-memory store,
 * ≤ 2.5 × on the default store.
 */
import { PgStore } from "@agentledger/store-postgres"
import { type CoreRuntime, createConfig, createCore, SpanContext, SpanType } from "@prefactor/core"
import { generate, generatePartition } from "@prefactor/pfid"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { deployAgent } from "../support/deployAgent.js"
import { captureSdkLogs } from "../support/sdk/core.js"
import { type RunningServer, startServer } from "../support/server.js"
import { formatInt, formatRatio, printTable, type Verdict } from "./harness.js"

const agentSchema = {
  external_identifier: "sdk-bench-schema",
  span_type_schemas: [
    { name: "agent", params_schema: { type: "object" } },
    { name: "llm", params_schema: { type: "object" } },
    { name: "tool", params_schema: { type: "object" } },
    { name: "chain", params_schema: { type: "object" } }
  ]
}

// ---------------------------------------------------------------------------------------------
// The bare server

const startBare = async () => {
  const partition = generatePartition()
  const server = http.createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8")
      let status = 200
      try {
        if (text.length > 0) JSON.parse(text)
      } catch {
        status = 400
      }
      const body = JSON.stringify({ status: "success", details: { id: generate(partition) } })
      response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) })
      response.end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address: AddressInfo | string | null = server.address()
  if (address === null || typeof address === "string") throw new Error("the bare server has no TCP address")
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

// ---------------------------------------------------------------------------------------------
// One round

interface Round {
  readonly wallMs: number
  readonly requests: number
  /** Milliseconds from each fetch call to its response headers. */
  readonly latencies: ReadonlyArray<number>
  /** Answers by status, e.g. `201: 200, 200: 150, 409: 50`. */
  readonly statuses: ReadonlyMap<number, number>
  readonly sdkErrors: ReadonlyArray<string>
}

const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6

/** A core whose fetch is timed into `round`; the SDK captures `fetch` when the core is created. */
const timedCore = (
  url: string,
  token: string,
  into: { readonly latencies: Array<number>; readonly statuses: Map<number, number> }
): CoreRuntime => {
  const original = globalThis.fetch
  const timed: typeof fetch = async (input, init) => {
    const start = nowMs()
    const response = await original(input, init)
    into.latencies.push(nowMs() - start)
    into.statuses.set(response.status, (into.statuses.get(response.status) ?? 0) + 1)
    return response
  }
  globalThis.fetch = timed
  try {
    return createCore(createConfig({
      httpConfig: {
        apiUrl: url,
        apiToken: token,
        agentIdentifier: "1.0.0",
        agentName: "SDK bench agent",
        agentDescription: "driven by test/bench/sdk.bench.ts",
        agentSchema,
        requestTimeout: 10_000,
        maxRetries: 0
      }
    }))
  } finally {
    globalThis.fetch = original
  }
}

const runRound = async (url: string, token: string, runs: number): Promise<Round> => {
  const into = { latencies: new Array<number>(), statuses: new Map<number, number>() }
  const logs = captureSdkLogs()
  try {
    const core = timedCore(url, token, into)
    const start = nowMs()
    for (let i = 0; i < runs; i++) {
      core.agentManager.startInstance()
      const agent = core.tracer.startSpan({ name: "support-run", spanType: SpanType.AGENT, inputs: { question: `Where is order ${i}?` } })
      SpanContext.run(agent, () => {
        const llm = core.tracer.startSpan({ name: "draft-answer", spanType: SpanType.LLM, inputs: { prompt: `Summarise order ${i}` } })
        core.tracer.endSpan(llm, { outputs: { text: "It ships today" }, tokenUsage: { promptTokens: 12, completionTokens: 8, totalTokens: 20 } })
        const tool = core.tracer.startSpan({ name: "order-lookup", spanType: SpanType.TOOL, inputs: { order_id: `A-${i}` } })
        core.tracer.endSpan(tool, { outputs: { order: { id: `A-${i}`, status: "shipped" } } })
        const chain = core.tracer.startSpan({ name: "compose", spanType: SpanType.CHAIN, inputs: { step: "compose" } })
        core.tracer.endSpan(chain, { outputs: { answer: "It ships today" } })
      })
      core.tracer.endSpan(agent, { outputs: { answer: "It ships today" } })
      core.agentManager.finishInstance()
    }
    await core.shutdown()
    const wallMs = nowMs() - start
    return { wallMs, requests: into.latencies.length, latencies: into.latencies, statuses: into.statuses, sdkErrors: [...logs.lines] }
  } finally {
    logs.restore()
  }
}

// ---------------------------------------------------------------------------------------------

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2
}

const percentile = (values: ReadonlyArray<number>, q: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN
}

const ms = (value: number): string => (value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0)) + " ms"

interface Target {
  readonly name: string
  readonly url: string
  readonly token: string
}

export const runSdkBench = async (): Promise<ReadonlyArray<Verdict>> => {
  const runs = Number(process.env["AGENTLEDGER_BENCH_SDK_RUNS"] ?? "50")
  const rounds = Number(process.env["AGENTLEDGER_BENCH_SDK_ROUNDS"] ?? "5")
  console.log(`\n## @prefactor/core 0.2.9: ${runs} runs × (register, start, agent span + 3 children, finish) per round\n`)
  const cleanups: Array<() => Promise<void>> = []
  try {
    const bare = await startBare()
    cleanups.push(bare.close)
    const servers: Array<readonly [string, RunningServer]> = []
    for (const [name, store] of [["in-memory store", undefined], ["default store (PGlite in a worker thread)", PgStore.layerPgliteWorker()]] as const) {
      const server = await startServer(store === undefined ? {} : { store })
      cleanups.push(server.close)
      servers.push([name, server])
    }
    const targets: Array<Target> = [{ name: "bare node:http (baseline)", url: bare.url, token: "bare-token" }]
    for (const [name, server] of servers) {
      const deployed = await deployAgent(server.url, server.secret, { name: "SDK bench agent" })
      targets.push({ name: `agentledger, ${name}`, url: server.url, token: deployed.token })
    }

    // Warm up every path (JIT, connections, caches), then alternate.
    for (const target of targets) await runRound(target.url, target.token, Math.min(runs, 10))
    const results: Array<Array<Round>> = targets.map(() => [])
    for (let round = 0; round < rounds; round++) {
      for (const [t, target] of targets.entries()) results[t]?.push(await runRound(target.url, target.token, runs))
    }

    const base = results[0] ?? []
    const ratios: Array<number> = []
    const rows = targets.map((target, t) => {
      const mine = results[t] ?? []
      const latencies = mine.flatMap((r) => r.latencies)
      const requests = median(mine.map((r) => r.requests))
      const wall = median(mine.map((r) => r.wallMs))
      const ratio = t === 0 ? 1 : median(mine.map((r, round) => r.wallMs / (base[round]?.wallMs ?? Number.NaN)))
      ratios.push(ratio)
      const statuses = new Map<number, number>()
      for (const r of mine) for (const [status, n] of r.statuses) statuses.set(status, (statuses.get(status) ?? 0) + n)
      const errors = mine.flatMap((r) => r.sdkErrors)
      if (errors.length > 0) console.log(`  ! ${target.name}: the SDK logged ${errors.length} errors; first: ${errors[0] ?? ""}`)
      return [
        target.name,
        ms(wall),
        formatInt(requests),
        formatInt((requests * 1000) / wall),
        ms(percentile(latencies, 0.5)),
        ms(percentile(latencies, 0.99)),
        t === 0 ? "1.00×" : formatRatio(ratio),
        [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}: ${n}`).join(", ")
      ]
    })
    console.log(`${rounds} rounds per target, targets alternating; wall time until core.shutdown() resolves (median round); ` +
      "latency from the SDK's fetch call to the response headers, over all rounds")
    printTable(["server", "wall time", "requests", "requests/s", "p50", "p99", "× baseline time", "answers (all rounds)"], rows)
    const verdicts: Array<Verdict> = targets.slice(1).map((target, i) => {
      const ratio = ratios[i + 1] ?? Number.NaN
      const bound = i === 0 ? 1.5 : 2.5
      const clean = (results[i + 1] ?? []).every((r) => r.sdkErrors.length === 0)
      return {
        module: "sdk",
        target: `@prefactor/core stream, ${target.name}: ≤ ${bound} × the bare server's time`,
        measured: `${formatRatio(ratio)} (${ms(median((results[i + 1] ?? []).map((r) => r.wallMs)))} vs ${ms(median(base.map((r) => r.wallMs)))} for ${runs} runs)${clean ? "" : "; the SDK logged errors"}`,
        pass: ratio <= bound && clean
      }
    })
    for (const v of verdicts) console.log(`${v.pass ? "pass" : "miss"}: ${v.target} — ${v.measured}`)
    return verdicts
  } finally {
    for (const step of cleanups.reverse()) await step().catch((error: unknown) => console.error("cleanup failed:", error))
  }
}
