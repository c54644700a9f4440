/**
 * OTLP ingestion end to end, as a user runs it: the app's build served as `npm start` serves it,
 * on its embedded default store (PGlite in a data directory),
 * and an agent instrumented with the real OpenTelemetry SDK (`@opentelemetry/sdk-trace-node`)
 * exporting through the real, unmodified OTLP exporters — protobuf with gzip, one export per span
 * as `SimpleSpanProcessor` sends them (children before their parents), and JSON in batches. The
 * runs, their trees, their spans' conformance and their risk come back through `/api/v1`; spans
 * exported twice, out of order, or after their run finished land once.
 */
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base"
import { Schema } from "effect"
import { execFile } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createRiskProfile, type Deployed, deployAgent } from "./support/deployAgent.js"
import { call } from "./support/jsonClient.js"
import { agentTrace, exporterTo, exportSpans, providerFor } from "./support/otelTrace.js"
import { agentTree, reads, tree } from "./support/otlpReads.js"
import { send } from "./support/otlpServer.js"
import { listening, type Run, serveBuilt } from "./support/serveProcess.js"

/** The OTel SDK's version, as its resource reports it (`telemetry.sdk.version`). */
const sdkVersion = Schema.decodeUnknownSync(Schema.parseJson(Schema.Struct({ version: Schema.String })))(
  readFileSync(join(import.meta.dirname, "..", "node_modules", "@opentelemetry", "core", "package.json"), "utf8")
).version

const token = `pf_${"o".repeat(43)}`
const root = join(import.meta.dirname, "..")
const dataDir = mkdtempSync(join(tmpdir(), "agentledger-otlp-"))
let served: Run | undefined
let url = ""
let deployed: Deployed

const inferenceProfile = {
  name: "GenAI profile",
  category_weights: { organisational_confidential: { weight: 3, included: true } },
  action_multipliers: { external_communication: { multiplier: 2, included: true } },
  thresholds: { medium: 5, high: 10, critical: 40 }
}

beforeAll(async () => {
  await promisify(execFile)("npm", ["run", "build", "--silent"], { cwd: root, timeout: 600_000 })
  served = serveBuilt(["--data-dir", dataDir, "--otlp-max-body-bytes", String(1024 * 1024)], { AGENTLEDGER_BOOTSTRAP_TOKEN: token })
  url = await listening(served)
  deployed = await deployAgent(url, token, { name: "weather-agent", riskProfileId: await createRiskProfile(url, token, inferenceProfile) })
}, 600_000)

afterAll(async () => {
  served?.child.kill("SIGTERM")
  await served?.exited
  rmSync(dataDir, { recursive: true, force: true })
})

const at = Date.UTC(2026, 11, 6, 10, 0)

/** The spans of the agent's trace as the SDK made them, exported nowhere yet. */
const madeSpans = async (start: number) => {
  const memory = new InMemorySpanExporter()
  const provider = providerFor(memory, "simple", { "service.version": "2.0.0" })
  agentTrace(provider.getTracer("weather-agent"), start)
  await provider.forceFlush()
  const spans = memory.getFinishedSpans()
  await provider.shutdown()
  return spans
}

describe("OTLP/HTTP into the served app", () => {
  it("records a trace exported span by span (protobuf, gzip), children first, as one complete run with its tree, conformance and risk", async () => {
    const provider = providerFor(exporterTo(url, deployed.token, "proto+gzip"), "simple", { "service.version": "2.0.0" })
    agentTrace(provider.getTracer("weather-agent", "2.0.0"), at)
    await provider.forceFlush()
    await provider.shutdown()
    const read = reads(url, token)
    const [run, ...others] = await read.runs(deployed.agentId)
    expect(others).toEqual([])
    expect(run).toMatchObject({
      status: "complete",
      started_at: new Date(at).toISOString(),
      finished_at: new Date(at + 1_200).toISOString(),
      span_counts: { total: 5, complete: 5 },
      conformance_counts: { conforms: 5, flagged: 0 },
      risk_score: 12,
      risk_level: "high",
      // The SDK that exported it, from the resource's telemetry.sdk.* (the OTel SDK's own defaults).
      reported_by: { protocol: "otlp", sdk: `opentelemetry-nodejs@${sdkVersion}` }
    })
    const timeline = await read.timeline(run?.id ?? "")
    expect(tree(timeline)).toEqual(agentTree)
    expect(timeline.spans.every(({ span }) => span.conformance.payload === "conforms")).toBe(true)
    expect(timeline.spans[0]?.span.payload["otel"]).toMatchObject({ start_time_unix_nano: `${at}000000`, kind: "internal", status: "unset" })
    expect((await read.risk(run?.id ?? ""))?.breakdown.find((entry) => entry.schema_name === "gen_ai.chat")).toMatchObject({ span_count: 2, points: 12 })
  })

  it("lands spans exported twice, out of order, and after their run finished exactly once (JSON)", async () => {
    const spans = await madeSpans(at + 3_600_000)
    const [chat1, http, tool, chat2, agent] = spans
    if (chat1 === undefined || http === undefined || tool === undefined || chat2 === undefined || agent === undefined) throw new Error("the trace has five spans")
    const exporter = exporterTo(url, deployed.token, "json")
    // The tool's child before the tool, the root (which finishes the run) before two of its children,
    // then everything again, as a retry would.
    await exportSpans(exporter, [http])
    await exportSpans(exporter, [tool, agent])
    await exportSpans(exporter, [chat2, chat1])
    await exportSpans(exporter, spans)
    await exportSpans(exporter, [chat1, chat1])
    await exporter.shutdown()
    const read = reads(url, token)
    const run = (await read.runs(deployed.agentId)).find((candidate) => candidate.started_at === new Date(at + 3_600_000).toISOString())
    expect(run).toMatchObject({ status: "complete", span_counts: { total: 5, complete: 5 }, conformance_counts: { conforms: 5, flagged: 0 }, risk_score: 12 })
    expect(tree(await read.timeline(run?.id ?? ""))).toEqual(agentTree)
  })

  it("takes an account token's agent by service.name and its environment by deployment.environment.name, batched JSON", async () => {
    const created = await call(url, token, "POST", "/api/v1/agent", { details: { name: "Named agent", external_identifier: "named-agent" } })
    const agentId = String(Reflect.get(Reflect.get(Object(created.body), "details"), "id"))
    const provider = providerFor(exporterTo(url, token, "json"), "batch", { "service.name": "named-agent", "service.version": "0.9.1", "deployment.environment.name": "production" })
    agentTrace(provider.getTracer("named"), at + 7_200_000, { failed: true })
    await provider.forceFlush()
    await provider.shutdown()
    const read = reads(url, token)
    const runs = await read.runs(agentId)
    expect(runs.map((run) => [run.status, run.span_counts.total, run.span_counts.failed])).toEqual([["failed", 5, 1]])
    expect(await read.version(runs[0]?.agent_version_id ?? "")).toMatchObject({ external_identifier: "0.9.1" })
  })

  it("refuses bad input in OTLP's shape, never with a 5xx", async () => {
    const malformed = await send(url, Uint8Array.from([0x0a, 0x05, 0x01]), { token: deployed.token, contentType: "application/x-protobuf" })
    expect([malformed.status, malformed.contentType]).toEqual([400, "application/x-protobuf"])
    const wrongType = await send(url, "{}", { token: deployed.token, contentType: "text/plain" })
    expect([wrongType.status, JSON.parse(new TextDecoder().decode(wrongType.body))]).toEqual([415, { code: 3, message: expect.stringMatching(/Content-Type/) }])
    const noToken = await send(url, "{}", { contentType: "application/json" })
    expect(noToken.status).toBe(401)
    // --otlp-max-body-bytes, here 1 MiB: a body streamed past it is refused once read.
    const tooLarge = await send(url, new Uint8Array(2 * 1024 * 1024), { token: deployed.token, contentType: "application/x-protobuf", chunked: true })
    expect([tooLarge.status, tooLarge.contentType]).toEqual([413, "application/x-protobuf"])
  })
})
