/**
 * OTLP ingestion's throughput (issue: OTLP/HTTP trace ingestion): spans per second through
 * `POST /v1/traces` in requests of 512 spans, as the JavaScript exporter's batch processor sends
 * them (protobuf, written by `@opentelemetry/otlp-transformer`, the exporters' own serializer),
 * against the same spans through `POST /api/v1/agent_spans/batch` in batches of 512 — the same
 * payloads and results (the OTLP mapping's own), into the same run, on the same server and store.
 *
 * Each span is a GenAI chat span (model, knobs, messages as JSON text, usage, response) under a
 * parent that never arrives, so the run stays open and every request lands in it. The two paths
 * run in alternating rounds of `AGENTLEDGER_BENCH_OTLP_MS` (default 2,000 ms) each, three rounds
 * (`AGENTLEDGER_BENCH_OTLP_ROUNDS`), one keep-alive connection, one request at a time; the ratio
 * is the median of the per-round ratios. On the in-memory store and on the default store (PGlite
 * in a worker thread).
 *
 * Target: OTLP ≥ 0.8 × the span batch route's spans/s, on each store.
 */
import type { LedgerStore } from "@agentledger/domain"
import { Model, Reported } from "@agentledger/otlp"
import { PgStore } from "@agentledger/store-postgres"
import { SpanKind, TraceFlags } from "@opentelemetry/api"
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer"
import { resourceFromAttributes } from "@opentelemetry/resources"
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base"
import { Either, type Layer } from "effect"
import * as http from "node:http"
import { deployAgent } from "../support/deployAgent.js"
import { reads } from "../support/otlpReads.js"
import { startOtlpServer } from "../support/otlpServer.js"
import { formatInt, formatRatio, printTable, type Verdict } from "./harness.js"

const batchSize = 512
const roundMs = Number(process.env["AGENTLEDGER_BENCH_OTLP_MS"] ?? "2000")
const rounds = Number(process.env["AGENTLEDGER_BENCH_OTLP_ROUNDS"] ?? "3")
const traceId = "4bf92f3577b34da6a3ce929d0e0e4736"
const absentParent = "00f067aa0ba902b7"
const resource = resourceFromAttributes({ "service.name": "otlp-bench-agent" })
const scope = { name: "otlp-bench", version: "1.0.0" }
const messages = JSON.stringify([{ role: "user", parts: [{ type: "text", content: "Summarise the quarterly report in three bullet points, citing the figures." }] }])
const output = JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: "Revenue grew 12%; costs fell 3%; margin reached 21%." }], finish_reason: "stop" }])

const spanIdOf = (n: number) => (n + 1).toString(16).padStart(16, "0")

/** The `index`-th span of the bench, as the SDK holds it. */
const readable = (index: number, at: number): ReadableSpan => ({
  name: "chat gpt-4o",
  kind: SpanKind.CLIENT,
  spanContext: () => ({ traceId, spanId: spanIdOf(index), traceFlags: TraceFlags.SAMPLED }),
  parentSpanContext: { traceId, spanId: absentParent, traceFlags: TraceFlags.SAMPLED },
  startTime: [Math.floor(at / 1000), (at % 1000) * 1_000_000],
  endTime: [Math.floor(at / 1000) + 1, 0],
  status: { code: 0 },
  attributes: {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o",
    "gen_ai.request.temperature": 0.2,
    "gen_ai.request.max_tokens": 400,
    "gen_ai.input.messages": messages,
    "gen_ai.output.messages": output,
    "gen_ai.usage.input_tokens": 97,
    "gen_ai.usage.output_tokens": 21,
    "gen_ai.response.model": "gpt-4o-2024-08-06",
    "gen_ai.response.id": `chatcmpl-${index}`,
    "gen_ai.response.finish_reasons": ["stop"]
  },
  links: [],
  events: [],
  duration: [1, 0],
  ended: true,
  resource,
  instrumentationScope: scope,
  droppedAttributesCount: 0,
  droppedEventsCount: 0,
  droppedLinksCount: 0
})

/** The same span in the model the OTLP decoders produce, for its mapped payload and result. */
const modelOf = (index: number, at: number): Model.Span => ({
  ...Model.emptySpan(),
  traceId,
  spanId: spanIdOf(index),
  parentSpanId: absentParent,
  name: "chat gpt-4o",
  kind: 3,
  startTimeUnixNano: BigInt(at) * 1_000_000n,
  endTimeUnixNano: (BigInt(Math.floor(at / 1000)) + 1n) * 1_000_000_000n,
  attributes: Object.entries(readable(index, at).attributes).map(([key, value]) => ({
    key,
    value: typeof value === "string"
      ? { _tag: "string", value }
      : typeof value === "number"
      ? Number.isInteger(value) ? { _tag: "int", value: BigInt(value) } : { _tag: "double", value }
      : { _tag: "array", values: ["stop"].map((item) => ({ _tag: "string", value: item })) }
  })),
  flags: 0x101
})

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })

const post = (url: string, path: string, headers: Record<string, string>, body: Uint8Array): Promise<number> =>
  new Promise((resolve, reject) => {
    const request = http.request(`${url}${path}`, { method: "POST", agent, headers: { ...headers, "content-length": String(body.length) } }, (response) => {
      response.resume()
      response.on("end", () => resolve(response.statusCode ?? 0))
    })
    request.on("error", reject)
    request.end(body)
  })

interface Store {
  readonly name: string
  readonly layer: () => Layer.Layer<LedgerStore> | undefined
}

const stores: ReadonlyArray<Store> = [
  { name: "in-memory store", layer: () => undefined },
  { name: "default store (PGlite in a worker thread)", layer: () => PgStore.layerPgliteWorker() }
]

export const runOtlpBench = async (): Promise<ReadonlyArray<Verdict>> => {
  const verdicts: Array<Verdict> = []
  const rows: Array<Array<string>> = []
  for (const store of stores) {
    const layer = store.layer()
    const server = await startOtlpServer(layer === undefined ? {} : { store: layer })
    try {
      const deployed = await deployAgent(server.url, server.secret, { name: "otlp bench agent" })
      const headers = { authorization: `Bearer ${deployed.token}` }
      let next = 0
      const at = Date.now()
      const otlpBody = (): Uint8Array => {
        const spans = Array.from({ length: batchSize }, () => readable(next++, at))
        return ProtobufTraceSerializer.serializeRequest(spans) ?? new Uint8Array(0)
      }
      // The first request registers the run; its id is what the span batches name.
      if ((await post(server.url, "/v1/traces", { ...headers, "content-type": "application/x-protobuf" }, otlpBody())) !== 200) throw new Error("the first OTLP request failed")
      const run = (await reads(server.url, server.secret).runs(deployed.agentId))[0]?.id
      if (run === undefined) throw new Error("the OTLP request registered no run")
      const batchBody = (): Uint8Array => {
        const details = Array.from({ length: batchSize }, () => {
          const reported = Either.getOrThrow(Reported.report(modelOf(next++, at), { ...scope, attributes: [], droppedAttributesCount: 0 }))
          return {
            agent_instance_id: run,
            schema_name: reported.schemaName,
            status: reported.status,
            payload: reported.payload,
            result_payload: reported.resultPayload,
            started_at: new Date(reported.startedAt).toISOString(),
            finished_at: new Date(reported.finishedAt).toISOString()
          }
        })
        return new TextEncoder().encode(JSON.stringify({ details }))
      }
      const paths = [
        { name: "OTLP /v1/traces (protobuf)", path: "/v1/traces", type: "application/x-protobuf", body: otlpBody, ok: 200 },
        { name: "agent_spans/batch (JSON)", path: "/api/v1/agent_spans/batch", type: "application/json", body: batchBody, ok: 201 }
      ] as const
      const rates: Array<Array<number>> = paths.map(() => [])
      for (let round = 0; round < rounds; round++) {
        for (const [index, path] of paths.entries()) {
          // Bodies are built before the round's clock starts.
          const bodies = Array.from({ length: 40 }, path.body)
          let spans = 0
          const started = performance.now()
          for (const body of bodies) {
            const status = await post(server.url, path.path, { ...headers, "content-type": path.type }, body)
            if (status !== path.ok) throw new Error(`${path.name} answered ${status}`)
            spans += batchSize
            if (performance.now() - started >= roundMs) break
          }
          rates[index]?.push(spans / ((performance.now() - started) / 1000))
        }
      }
      const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0
      const otlp = rates[0] ?? []
      const batch = rates[1] ?? []
      const ratio = median(otlp.map((rate, round) => rate / (batch[round] ?? rate)))
      rows.push([store.name, formatInt(median(otlp)), formatInt(median(batch)), formatRatio(ratio)])
      verdicts.push({
        module: "otlp",
        target: `OTLP spans/s ≥ 0.8 × agent_spans/batch, 512 per request (${store.name})`,
        measured: `${formatRatio(ratio)} (${formatInt(median(otlp))} vs ${formatInt(median(batch))} spans/s)`,
        pass: ratio >= 0.8
      })
    } finally {
      await server.close()
    }
  }
  printTable(["store", "OTLP spans/s", "batch spans/s", "ratio"], rows)
  return verdicts
}
