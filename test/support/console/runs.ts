/**
 * Runs the console's erasure and audit tests act on, recorded through the API with a deployment's
 * token as an SDK would: registered, started (at a time given, for a window), with spans whose
 * payloads the tests look for, and finished — or left open. Each test records its own, so that
 * no other section of the console's tests sees its runs change.
 */
import type { Deployed } from "../deployAgent.js"
import type { Json } from "../json.js"
import { call, expectAnswer } from "../jsonClient.js"
import { Created, Details } from "../resources.js"

export interface Recorded {
  readonly runId: string
  readonly spanIds: ReadonlyArray<string>
}

export interface RecordOptions {
  /** When the run started (default: now). */
  readonly startedAt?: string
  /** Each span's payload and result (a tool span each). */
  readonly spans: ReadonlyArray<{ readonly payload: Json; readonly result: Json }>
  /** Leave the run open (default: finished, complete). */
  readonly open?: boolean
}

/** A run of the deployment's agent, recorded with its token. */
export const recordRun = async (url: string, deployed: Deployed, options: RecordOptions): Promise<Recorded> => {
  const post = async (path: string, body: Json, status = 201) =>
    expectAnswer(await call(url, deployed.token, "POST", path, body), status, Details(Created), `POST ${path}`).details.id
  const runId = await post("/api/v1/agent_instance/register", {
    agent_version: { external_identifier: "erasure-1.0", name: "Erasure fixture" },
    agent_schema_version: { external_identifier: "erasure-1", span_schemas: { tool: { type: "object" } } }
  })
  await post(`/api/v1/agent_instance/${runId}/start`, options.startedAt === undefined ? {} : { timestamp: options.startedAt }, 200)
  const spanIds: Array<string> = []
  for (const span of options.spans) {
    spanIds.push(await post("/api/v1/agent_spans", {
      details: { agent_instance_id: runId, schema_name: "tool", status: "complete", payload: span.payload, result_payload: span.result }
    }))
  }
  if (options.open !== true) await post(`/api/v1/agent_instance/${runId}/finish`, { status: "complete" }, 200)
  return { runId, spanIds }
}
