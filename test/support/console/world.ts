/**
 * What the console's tests review: the server as `npm start` runs it (main.ts, on PGlite in a
 * folder of its own, with a preset account token) and the console bundled first; an agent under
 * a risk profile whose run the real `@prefactor/core` SDK recorded (its llm spans flagged: the
 * SDK nests the prompt under `inputs`, the schema wants it at the top), and a second agent with
 * an open run (two open spans) that a test terminates.
 */
import { bundle } from "../../../packages/console/build/bundle.js"
import { SpanContext, SpanType, withSpan } from "@prefactor/core"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createRiskProfile, type Deployed, deployAgent } from "../deployAgent.js"
import { call, expectAnswer } from "../jsonClient.js"
import { Created, Details, List } from "../resources.js"
import { captureSdkLogs, sdkCore } from "../sdk/core.js"
import { listening, type Run, serve } from "../serveProcess.js"

export interface World {
  readonly url: string
  /** The account token the server bootstrapped with. */
  readonly token: string
  readonly profileId: string
  /** The agent whose run the SDK recorded, and that run. */
  readonly reviewed: Deployed & { readonly runId: string }
  /** The agent with an open run of two open spans. */
  readonly other: Deployed & { readonly runId: string }
  /** What the server has logged so far. */
  readonly log: () => string
  readonly close: () => Promise<void>
}

export const accountToken = `pf_${"c".repeat(43)}`

/** `tool` scores 3 (personal identifiers) × 1.5 (read data) = 4.5 points; thresholds 5 / 20 / 40. */
export const profile = {
  name: "Support data",
  category_weights: { personal_identifiers: { weight: 3, included: true } },
  action_multipliers: { read_data: { multiplier: 1.5, included: true } },
  thresholds: { medium: 5, high: 20, critical: 40 }
}

export const schema = {
  external_identifier: "support-console-1",
  span_type_schemas: [
    { name: "agent", params_schema: { type: "object", required: ["inputs"] } },
    { name: "chain", params_schema: { type: "object" } },
    { name: "llm", title: "LLM call", params_schema: { type: "object", required: ["prompt"] } },
    {
      name: "tool",
      title: "Order lookup",
      params_schema: { type: "object" },
      data_risk: { action_profile: { read_data: "allowed" }, result_data_categories: { personal_identifiers: "included" } }
    }
  ]
}

/** The SDK records: agent → (chain → llm), tool, tool. Two tool spans: 9 points, medium. */
const recordWithSdk = async (url: string, token: string): Promise<void> => {
  const logs = captureSdkLogs()
  const core = sdkCore({ apiUrl: url, apiToken: token, agentSchema: schema })
  try {
    core.agentManager.startInstance()
    const root = core.tracer.startSpan({ name: "support-run", spanType: SpanType.AGENT, inputs: { question: "Where is my order?" } })
    await SpanContext.runAsync(root, async () => {
      await withSpan({ name: "plan", spanType: SpanType.CHAIN, inputs: { step: "plan" } }, async () => {
        const llm = core.tracer.startSpan({ name: "draft-answer", spanType: SpanType.LLM, inputs: { prompt: "Summarise order A-1" } })
        core.tracer.endSpan(llm, { outputs: { text: "Your order ships today" } })
        return { plan: "look up, then answer" }
      })
      for (const attempt of [1, 2]) {
        const tool = core.tracer.startSpan({ name: `order-lookup-${attempt}`, spanType: SpanType.TOOL, inputs: { order_id: "A-1" } })
        core.tracer.endSpan(tool, { outputs: { email: "customer@example.com" } })
      }
    })
    core.tracer.endSpan(root, { outputs: { answer: "It ships today" } })
    core.agentManager.finishInstance()
  } finally {
    await core.shutdown()
    logs.restore()
  }
  if (logs.lines.length > 0) throw new Error(`the SDK reported failures:\n${logs.lines.join("\n")}`)
}

const onlyRun = async (url: string, token: string, agentId: string): Promise<string> => {
  const list = expectAnswer(await call(url, token, "GET", `/api/v1/agent_instance?agent_id=${agentId}`), 200, List(Created), "the agent's runs")
  const [run] = list.summaries
  if (run === undefined || list.summaries.length !== 1) throw new Error(`expected one run of agent ${agentId}, found ${list.summaries.length}`)
  return run.id
}

/** A run registered and started with the deployment's token, with an open root span, an open child and a finished one. */
const openRun = async (url: string, deployed: Deployed): Promise<string> => {
  const post = async (path: string, body: Parameters<typeof call>[4], status = 201) =>
    expectAnswer(await call(url, deployed.token, "POST", path, body), status, Details(Created), `POST ${path}`).details.id
  const runId = await post("/api/v1/agent_instance/register", {
    agent_id: deployed.agentId,
    environment_id: deployed.environmentId,
    agent_version: { external_identifier: "3.1.0", name: "Billing bot" },
    agent_schema_version: { external_identifier: "billing-1", span_schemas: { agent: { type: "object" }, tool: { type: "object" } } }
  })
  await post(`/api/v1/agent_instance/${runId}/start`, {}, 200)
  const root = await post("/api/v1/agent_spans", { details: { agent_instance_id: runId, schema_name: "agent", status: "active", payload: { task: "refund" } } })
  await post("/api/v1/agent_spans", { details: { agent_instance_id: runId, parent_span_id: root, schema_name: "tool", status: "complete", payload: { step: 1 } } })
  await post("/api/v1/agent_spans", { details: { agent_instance_id: runId, parent_span_id: root, schema_name: "tool", status: "active", payload: { step: 2 } } })
  return runId
}

export const startWorld = async (): Promise<World> => {
  await bundle()
  const dataDir = mkdtempSync(join(tmpdir(), "agentledger-console-"))
  // Admission control stays on, but a request waits up to 2 s for its turn instead of 15 ms: the
  // tests' own setup calls are no retrying client, and npm test runs another test file beside
  // this one, so a busy moment shed a setup call with 503 (the SDK would have retried it).
  const served: Run = serve(["--data-dir", dataDir, "--queue-timeout-ms", "2000"], { AGENTLEDGER_BOOTSTRAP_TOKEN: accountToken })
  const stop = async () => {
    if (served.child.exitCode === null) {
      served.child.kill("SIGTERM")
      await served.exited
    }
    rmSync(dataDir, { recursive: true, force: true })
  }
  try {
    const url = await listening(served)
    const profileId = await createRiskProfile(url, accountToken, profile)
    const reviewedAgent = await deployAgent(url, accountToken, { name: "Support bot", riskProfileId: profileId })
    await recordWithSdk(url, reviewedAgent.token)
    const otherAgent = await deployAgent(url, accountToken, { name: "Billing bot" })
    return {
      url,
      token: accountToken,
      profileId,
      reviewed: { ...reviewedAgent, runId: await onlyRun(url, accountToken, reviewedAgent.agentId) },
      other: { ...otherAgent, runId: await openRun(url, otherAgent) },
      log: () => served.stdout() + served.stderr(),
      close: stop
    }
  } catch (error) {
    await stop()
    throw error
  }
}
