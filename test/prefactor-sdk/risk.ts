/**
 * Risk through the SDK: an agent under a risk profile records a run whose spans are scored, the
 * run's total and level and each span's score matching points computed by hand.
 */
import { SpanType, withSpan } from "@prefactor/core"
import { expect, it } from "vitest"
import { createRiskProfile } from "../support/deployAgent.js"
import { runSdk } from "../support/sdk/run.js"
import type { SdkTarget } from "../support/sdk/target.js"
import { expectCleanWire, spanNamed } from "../support/sdk/wire.js"

/**
 * Risk: a profile and a schema whose points are computed by hand (docs/domain.md as in Risk.ts):
 * points(type) = Σ weights of the type's included categories the profile includes ×
 * Σ multipliers of its allowed actions the profile includes, in hundredths.
 *
 *   tool             read_data allowed; result personal_identifiers  → 3 × 1.50          = 450
 *   payments:charge  read_data, financial_transactions, external_communication (excluded)
 *                    allowed; params financial_information, health_and_medical (excluded)
 *                                                                    → 5 × (1.50 + 2.00) = 1750
 *   llm              params personal_identifiers, but no action      → 3 × 0             = 0
 *   agent            nothing declared                                                    = 0
 *
 * One run: agent + tool (complete) + tool (failed: failed spans count) + payments:charge + llm
 *   total = 450 + 450 + 1750 = 2650 hundredths, 26.5 points on the wire (every risk amount an
 *   answer carries is in points, as the profile is written); thresholds 5 / 20 / 40: "high".
 */
const riskProfile = {
  name: "SDK payments profile",
  category_weights: {
    personal_identifiers: { weight: 3, included: true },
    financial_information: { weight: 5, included: true },
    health_and_medical: { weight: 9, included: false }
  },
  action_multipliers: {
    read_data: { multiplier: 1.5, included: true },
    financial_transactions: { multiplier: 2, included: true },
    external_communication: { multiplier: 4, included: false }
  },
  thresholds: { medium: 5, high: 20, critical: 40 }
}

const riskSchema = {
  external_identifier: "payments-bot-1",
  span_type_schemas: [
    { name: "agent", params_schema: { type: "object" } },
    {
      name: "tool",
      params_schema: { type: "object" },
      data_risk: { action_profile: { read_data: "allowed" }, result_data_categories: { personal_identifiers: "included" } }
    },
    {
      name: "payments:charge",
      params_schema: { type: "object", required: ["inputs"], properties: { inputs: { type: "object", required: ["amount"] } } },
      data_risk: {
        action_profile: { read_data: "allowed", financial_transactions: "allowed", external_communication: "allowed" },
        params_data_categories: { financial_information: "included", health_and_medical: "included" }
      }
    },
    { name: "llm", params_schema: { type: "object" }, data_risk: { params_data_categories: { personal_identifiers: "included" } } }
  ]
}

/** The risk test, in the calling `describe`, against its server. */
export const scoringRisk = ({ deploy, read, server }: SdkTarget): void => {
  it("scores the spans of an agent with a risk profile: total and level", async () => {
    const profileId = await createRiskProfile(server().url, server().secret, riskProfile)
    const deployed = await deploy(profileId)
    const run = await runSdk(server(), { token: deployed.token, agentSchema: riskSchema }, async (core) => {
      core.agentManager.startInstance()
      await withSpan(core.tracer, { name: "payments-run", spanType: SpanType.AGENT, inputs: { customer: "c-1" } }, async () => {
        await withSpan(core.tracer, { name: "crm-lookup", spanType: SpanType.TOOL, inputs: { customer_id: "c-1" } }, () => ({ email: "a@example.com" }))
        const broken = core.tracer.startSpan({ name: "crm-lookup-retry", spanType: SpanType.TOOL, inputs: { customer_id: "c-1" } })
        core.tracer.endSpan(broken, { error: new Error("crm timeout") })
        await withSpan(core.tracer, { name: "charge", spanType: "payments:charge", inputs: { amount: 42 } }, () => ({ charged: true }))
        await withSpan(core.tracer, { name: "explain", spanType: SpanType.LLM, inputs: { prompt: "explain the charge" } }, () => "done")
        return { answer: "charged" }
      })
      core.agentManager.finishInstance()
    })

    expectCleanWire(run)
    const list = await read().instances(deployed.agentId)
    expect(list.pagination.item_count).toBe(1)
    const id = list.summaries[0]?.id ?? "missing"
    const risk = await read().risk(id)
    expect(risk).not.toBeNull()
    expect(risk?.total).toBe(26.5)
    expect(risk?.level).toBe("high")
    expect(risk?.peak_level).toBe("high")
    const points = Object.fromEntries((risk?.breakdown ?? []).map((entry) => [entry.schema_name, [entry.span_count, entry.points]]))
    expect(points).toEqual({ "payments:charge": [1, 17.5], tool: [2, 9], agent: [1, 0], llm: [1, 0] })
    expect(risk?.thresholds).toEqual({ medium: 5, high: 20, critical: 40 })

    const instance = await read().instance(id)
    expect(instance).toMatchObject({ status: "complete", risk_score: 26.5, risk_level: "high", span_counts: { total: 5, complete: 4, failed: 1 } })
    const timeline = await read().timeline(id)
    expect(Object.fromEntries(timeline.spans.map((s) => [String(s.span.payload["name"]), s.span.risk_score]))).toEqual({
      "payments-run": 0,
      "crm-lookup": 4.5,
      "crm-lookup-retry": 4.5,
      charge: 17.5,
      explain: 0
    })
    expect(spanNamed(timeline.spans, "charge").conformance.payload).toBe("conforms")
  })
}
