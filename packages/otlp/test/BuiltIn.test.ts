import { describe, expect, it } from "@effect/vitest"
import { ActivitySchema, Conformance, DataRisk, Ids, Risk, RiskProfile } from "@agentledger/domain"
import { BuiltIn, Reported, SpanIds, SpanType } from "@agentledger/otlp"
import { Either, FastCheck as fc } from "effect"
import * as arbitraries from "./support/arbitraries.js"
import { attributes, scope, span, value } from "./support/spans.js"

const normalized = Either.getOrThrow(ActivitySchema.normalize(BuiltIn.activitySchema))
const compiled = Conformance.compileActivitySchema(normalized)

describe("BuiltIn.activitySchema", () => {
  it("is a valid activity schema whose every definition compiles", () => {
    expect(normalized.external_identifier).toBe("opentelemetry-genai/1")
    for (const [name, checks] of Object.entries(compiled.checks)) {
      expect([name, checks.params.status, checks.result.status]).toEqual([name, "valid", "valid"])
    }
  })

  it("declares every type a span can be given by a convention, and otel.span", () => {
    const names = Object.keys(normalized.span_type_schemas)
    for (const operation of SpanType.operations) expect(names).toContain(`gen_ai.${operation}`)
    for (const kind of SpanType.openInferenceKinds) expect(names).toContain(`openinference.${kind}`)
    for (const kind of SpanType.traceloopKinds) expect(names).toContain(`traceloop.${kind}`)
    expect(names).toContain("otel.span")
  })

  it("declares what inference, retrieval and memory writes touch, so that a profile can score them", () => {
    const chat = normalized.span_type_schemas["gen_ai.chat"]?.data_risk ?? DataRisk.unknownDataRisk
    expect(DataRisk.allowedActions(chat)).toEqual(["external_communication"])
    expect(DataRisk.includedCategories(chat)).toEqual(["organisational_confidential"])
    expect(DataRisk.allowedActions(normalized.span_type_schemas["gen_ai.retrieval"]?.data_risk ?? DataRisk.unknownDataRisk)).toEqual(["read_data"])
    expect(DataRisk.allowedActions(normalized.span_type_schemas["gen_ai.execute_tool"]?.data_risk ?? DataRisk.unknownDataRisk)).toEqual([])
    const rules = Either.getOrThrow(RiskProfile.validateRules({
      category_weights: { organisational_confidential: { weight: 3, included: true } },
      action_multipliers: { external_communication: { multiplier: 2, included: true } },
      thresholds: { medium: 1, high: 2, critical: 3 }
    }))
    // Weight 3 × multiplier 2.00, in hundredths.
    expect(Risk.spanTypeScore(chat, rules)).toBe(600)
  })

  const message = fc.record({ role: fc.constantFrom("user", "assistant", "system", "tool"), parts: fc.array(fc.record({ type: fc.constant("text"), content: fc.string() }), { maxLength: 2 }) })
  const genAiSpan = fc.record({
    operation: fc.constantFrom(...SpanType.operations),
    model: fc.string(),
    provider: fc.constantFrom("openai", "anthropic", "aws.bedrock"),
    input: fc.array(message, { maxLength: 2 }),
    output: fc.array(message, { maxLength: 2 }),
    inputTokens: fc.nat(),
    outputTokens: fc.nat(),
    structured: fc.boolean(),
    failed: fc.boolean(),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    finish: fc.array(fc.constantFrom("stop", "length", "tool_calls"), { maxLength: 2 })
  })

  it.prop("holds what the mapping makes of GenAI spans: their payloads and results conform to their type", [genAiSpan], ([given]) => {
    const content = (plain: ReadonlyArray<unknown>) => (given.structured ? value(JSON.parse(JSON.stringify(plain))) : value(JSON.stringify(plain)))
    const otelSpan = span({
      name: `${given.operation} ${given.model}`,
      status: { code: given.failed ? 2 : 0, message: given.failed ? "boom" : "" },
      attributes: [
        ...attributes({
          "gen_ai.operation.name": given.operation,
          "gen_ai.request.model": given.model,
          "gen_ai.provider.name": given.provider,
          "gen_ai.request.temperature": given.temperature,
          "gen_ai.usage.input_tokens": given.inputTokens,
          "gen_ai.usage.output_tokens": given.outputTokens,
          "gen_ai.response.finish_reasons": given.finish
        }),
        { key: "gen_ai.input.messages", value: content(given.input) },
        { key: "gen_ai.output.messages", value: content(given.output) }
      ]
    })
    const recorded = Either.getOrThrow(Reported.report(otelSpan, scope))
    const conformance = Conformance.checkSpan(compiled, recorded.schemaName, recorded.payload, recorded.resultPayload, recorded.status)
    expect(conformance).toEqual({ payload: "conforms", result: given.failed ? "not_applicable" : "conforms", errors: [] })
  }, { fastCheck: { numRuns: arbitraries.runs(100) } })
})

describe("SpanIds.spanIdOf", () => {
  const run = Ids.InstanceId.make(Ids.encode(1_796_553_240_521, Ids.Partition.make(123_456, true), "abcdefghjkmnpqrs"), true)

  it.prop("derives a PFID of the run's time and partition, the same for the same span, another for another", [arbitraries.traceId, arbitraries.spanId, arbitraries.spanId], ([trace, a, b]) => {
    const id = SpanIds.spanIdOf(run, trace, a)
    expect(Ids.pfidPattern.test(id)).toBe(true)
    expect(Ids.partitionOf(id)).toBe(123_456)
    expect(Ids.timeOf(id)).toBe(1_796_553_240_521)
    expect(SpanIds.spanIdOf(run, trace, a)).toBe(id)
    if (a !== b) expect(SpanIds.spanIdOf(run, trace, b)).not.toBe(id)
  }, { fastCheck: { numRuns: arbitraries.runs(200) } })

  it("gives the same OTel span another id in another run", () => {
    const other = Ids.InstanceId.make(Ids.encode(1_796_553_240_521, Ids.Partition.make(123_456, true), "abcdefghjkmnpqrt"), true)
    expect(SpanIds.spanIdOf(other, "5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174")).not.toBe(
      SpanIds.spanIdOf(run, "5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174")
    )
  })
})
