/**
 * The evidence exports in the contract: `GET /agent_instance/{id}/export` (one run's document,
 * `application/json`) and `GET /agent/{id}/export` (the agent's runs in a range, one document
 * per line, `application/x-ndjson`). They are endpoints like any other — the same
 * authentication, path and query decoding, and error envelopes for what fails before the body —
 * but their handlers answer a streamed body (`ExportHandlers.ts`), which the contract describes
 * as text for the OpenAPI document.
 */
import { Export, Ids } from "@agentledger/domain"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as OpenApi from "@effect/platform/OpenApi"
import { Schema } from "effect"

/** The media types of the two bodies. */
export const mediaTypes = { run: "application/json", agentRuns: "application/x-ndjson" } as const

/** The paths under `/api/v1`, for the client. */
export const exportPaths = {
  run: (id: Ids.InstanceId) => `/agent_instance/${encodeURIComponent(id)}/export`,
  agentRuns: (id: Ids.AgentId) => `/agent/${encodeURIComponent(id)}/export`
} as const

const runDescription = "The run as one evidence document: {\"export\": E, \"sha256\": H}, where E holds the run, its agent, version, " +
  "schema version (with the span types' definitions), environment, deployment (and the version its pointer named when the run " +
  "registered), risk profile revision, risk report, the spans as a tree in timeline order with their payloads and conformance, " +
  "when and by whom it was exported and the audit chain's head; E is written in RFC 8785 canonical form and H is the SHA-256 of " +
  "that text, so the whole document is canonical and verifiable with any JCS library. Streamed as it is read; amounts are " +
  `integer hundredths; format ${Export.format}. Recorded in the audit log (agent_instance.export). A deployment token exports ` +
  "its own agent's runs only"

const agentRunsDescription = "The agent's runs whose start is in [started_after, started_before), oldest first, as NDJSON: one " +
  "line per run, each the document of GET /agent_instance/{id}/export. Streamed run by run. One audit event " +
  "(agent_instance.export) records the stream when it ends, with the number of lines and the SHA-256 of those lines"

export class ExportGroup extends HttpApiGroup.make("export")
  .add(
    HttpApiEndpoint.get("run", "/agent_instance/:id/export").setPath(Schema.Struct({ id: Ids.InstanceId }))
      .addSuccess(HttpApiSchema.Text({ contentType: mediaTypes.run }).annotations({ description: "The evidence document, streamed" }))
      .annotate(OpenApi.Description, runDescription)
  )
  .add(
    HttpApiEndpoint.get("agentRuns", "/agent/:id/export").setPath(Schema.Struct({ id: Ids.AgentId }))
      // The fields as a plain struct: the contract lists each as a query parameter only then.
      .setUrlParams(Schema.Struct(Export.RunRange.fields))
      .addSuccess(HttpApiSchema.Text({ contentType: mediaTypes.agentRuns }).annotations({ description: "One evidence document per line, streamed" }))
      .annotate(OpenApi.Description, agentRunsDescription)
  )
  .annotate(OpenApi.Description, "Evidence export: a run as a self-verifying document; an agent's runs as NDJSON")
{}
