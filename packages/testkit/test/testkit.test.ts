/**
 * Tests of the testkit itself: its arbitraries produce what the `Commands` Schemas accept, its
 * schema and version forms mean what the domain's normalizers say they mean, and its reference
 * calculations agree with the docs' examples.
 */
import { ActivitySchema, AgentVersion, Commands, DataRisk, Ids } from "@agentledger/domain"
import { Arbitraries, changeSchema, changeVersion, docsProfile, maxSteps, Reference, Specs } from "@agentledger/testkit"
import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc, Schema } from "effect"

const partition = Ids.Partition.make(12_345)
const id = <A>(kind: Ids.IdSchema<A>, random: string): A => Schema.decodeSync(kind)(Ids.encode(Date.now(), partition, random))

const agent = id(Ids.AgentId, "aaaaaaaaaaaaaaaa")
const environment = id(Ids.EnvironmentId, "eeeeeeeeeeeeeeee")
const instance = id(Ids.InstanceId, "jjjjjjjjjjjjjjjj")
const deployment = id(Ids.DeploymentId, "dddddddddddddddd")
const profile = id(Ids.RiskProfileId, "pppppppppppppppp")
const version = id(Ids.AgentVersionId, "vvvvvvvvvvvvvvvv")
const parent = id(Ids.SpanId, "ssssssssssssssss")

const accepts = <A, I>(schema: Schema.Schema<A, I>, arbitrary: fc.Arbitrary<A>) => {
  const is = Schema.is(schema)
  for (const value of fc.sample(arbitrary, { numRuns: 60, seed: 1 })) expect(is(value), JSON.stringify(value)).toBe(true)
}

describe("command arbitraries", () => {
  it("produce decoded commands the Commands Schemas accept", () => {
    accepts(Commands.CreateEnvironment, Arbitraries.createEnvironment)
    accepts(Commands.UpdateEnvironment, Arbitraries.updateEnvironment)
    accepts(Commands.CreateToken, Arbitraries.createAccountToken)
    accepts(Commands.CreateToken, Arbitraries.createDeploymentToken(deployment))
    accepts(Commands.CreateAgent, Arbitraries.createAgent([profile]))
    accepts(Commands.UpdateAgent, Arbitraries.updateAgent([profile]))
    accepts(Commands.CreateRiskProfile, Arbitraries.createRiskProfile)
    accepts(Commands.UpdateRiskProfile, Arbitraries.updateRiskProfile)
    accepts(Commands.RegisterRun, Arbitraries.registerRun(agent, environment))
    accepts(Commands.StartRun, Arbitraries.startRun)
    accepts(Commands.FinishRun, Arbitraries.finishRun)
    accepts(Commands.TerminateRun, Arbitraries.terminateRun)
    accepts(Commands.CreateSpan, Arbitraries.createSpan(instance, [parent]))
    accepts(Commands.FinishSpan, Arbitraries.finishSpan)
    accepts(Commands.CreateDeployment, Arbitraries.createDeployment(agent, environment, [version]))
    accepts(Commands.UpdateDeployment, Arbitraries.updateDeployment([version]))
    accepts(Commands.RollbackDeployment, Arbitraries.rollbackDeployment([version]))
    accepts(Commands.ListRequest, Arbitraries.listRequest(["id", "name"]))
  })

  it.prop("risk rules are always valid: weights 0–10, two-decimal multipliers, increasing thresholds", [Arbitraries.riskRulesInput], ([rules]) => {
    const reference = Reference.referenceRules(rules)
    expect(reference.thresholds.medium).toBeGreaterThan(0)
    expect(reference.thresholds.high).toBeGreaterThan(reference.thresholds.medium)
    expect(reference.thresholds.critical).toBeGreaterThan(reference.thresholds.high)
    for (const value of Object.values(rules.action_multipliers)) expect(Number(value.multiplier.toFixed(2))).toBe(value.multiplier)
    for (const value of Object.values(rules.category_weights)) expect(Number.isInteger(value.weight) && value.weight >= 0 && value.weight <= 10).toBe(true)
  })

  it.prop("workloads act in at least two accounts, within the step bound", [Arbitraries.workload()], ([workload]) => {
    expect(workload.accounts).toBeGreaterThanOrEqual(2)
    expect(workload.steps.length).toBeLessThanOrEqual(maxSteps)
    expect(workload.schemas.length).toBeGreaterThan(0)
  }, { fastCheck: { numRuns: 30 } })
})

describe("schema and version forms, against the domain's normalizers", () => {
  const fingerprint = (input: ActivitySchema.ActivitySchemaInput) =>
    Either.map(ActivitySchema.normalize(input), ActivitySchema.schemaFingerprint)

  it.prop(
    "every form of one content normalizes to one fingerprint; a changed content to another; a corrupt form is refused",
    [Arbitraries.schemaSpec, fc.array(fc.nat(), { minLength: 2, maxLength: 6 }), fc.nat()],
    ([spec, seeds, change]) => {
      const prints = seeds.map((seed) => fingerprint(Specs.renderSchema(spec, seed)))
      for (const print of prints) expect(print).toEqual(prints[0])
      const first = prints[0]
      expect(first !== undefined && Either.isRight(first)).toBe(true)
      expect(fingerprint(Specs.renderSchema(changeSchema(spec, change), change))).not.toEqual(prints[0])
      expect(Either.isLeft(ActivitySchema.normalize(Specs.renderSchema(spec, change, { corrupt: true })))).toBe(true)
    },
    { fastCheck: { numRuns: 200 } }
  )

  it.prop("content keys are equal exactly when fingerprints are", [Arbitraries.schemaSpec, Arbitraries.schemaSpec, fc.nat()], ([a, b, seed]) => {
    const same = Specs.schemaContentKey(a) === Specs.schemaContentKey(b)
    expect(Either.getOrThrow(fingerprint(Specs.renderSchema(a, seed))) === Either.getOrThrow(fingerprint(Specs.renderSchema(b, seed + 1)))).toBe(same)
  }, { fastCheck: { numRuns: 300 } })

  it.prop(
    "every form of one version metadata has one fingerprint; a change of content another; the display name is not content",
    [Arbitraries.versionSpec, fc.array(fc.tuple(fc.nat(), fc.option(fc.string(), { nil: null })), { minLength: 2, maxLength: 5 }), fc.nat()],
    ([spec, forms, change]) => {
      const print = (input: AgentVersion.VersionMetadataInput) =>
        AgentVersion.versionFingerprint({
          external_identifier: input.external_identifier ?? null,
          schema_fingerprint: "s",
          runtime_environment: AgentVersion.normalizeRuntime(input.runtime_environment)
        })
      const prints = forms.map(([seed, name]) => print(Specs.renderVersion(spec, { name, description: name }, seed)))
      for (const p of prints) expect(p).toBe(prints[0])
      expect(print(Specs.renderVersion(changeVersion(spec, change), { name: null, description: null }, change))).not.toBe(prints[0])
    },
    { fastCheck: { numRuns: 200 } }
  )
})

describe("reference calculations", () => {
  const rules = Reference.referenceRules({
    ...docsProfile,
    category_weights: { ...docsProfile.category_weights, financial_information: { weight: 5, included: true } }
  })
  const declare = (input: unknown) => Schema.decodeUnknownSync(DataRisk.DataRisk)(input)

  it("scores the docs' examples: 8 + 4 with read × 1.0 is 12; three spans at 12 and one at 5 total 41", () => {
    const lookup = declare({ action_profile: { read_data: "allowed" }, result_data_categories: { personal_identifiers: "included", contact_information: "included" } })
    const payment = declare({ action_profile: { read_data: "allowed" }, params_data_categories: { financial_information: "included" } })
    expect(Reference.referenceScore(lookup, rules)).toBe(1200)
    expect(Reference.referenceScore(payment, rules)).toBe(500)
    const total = 3 * Reference.referenceScore(lookup, rules) + Reference.referenceScore(payment, rules)
    expect(total).toBe(4100)
    expect(Reference.referenceLevel(total, rules.thresholds)).toBe("medium")
    // A category in params and result counts once; `unknown` and excluded count nothing.
    expect(Reference.referenceScore(declare({
      action_profile: { read_data: "allowed", create_data: "unknown" },
      params_data_categories: { personal_identifiers: "included" },
      result_data_categories: { personal_identifiers: "included", minors_data: "included" }
    }), rules)).toBe(800)
    expect(Reference.referenceLevel(0, rules.thresholds)).toBe("low")
    expect(Reference.referenceLevel(5000, rules.thresholds)).toBe("high")
    expect(Reference.referenceLevel(10000, rules.thresholds)).toBe("critical")
  })

  it("orders a timeline depth first, siblings by start then creation", () => {
    expect(Reference.referenceTimeline([
      { id: "a", parent: null, startedAt: 10, order: 1 },
      { id: "b", parent: "a", startedAt: 30, order: 2 },
      { id: "c", parent: "a", startedAt: 20, order: 3 },
      { id: "d", parent: "b", startedAt: 0, order: 4 },
      { id: "e", parent: null, startedAt: 10, order: 5 },
      { id: "f", parent: "missing", startedAt: 5, order: 6 }
    ])).toEqual([
      { id: "f", depth: 0 },
      { id: "a", depth: 0 },
      { id: "c", depth: 1 },
      { id: "b", depth: 1 },
      { id: "d", depth: 2 },
      { id: "e", depth: 0 }
    ])
  })

  it("checks JSON Schemas with a plain Ajv", () => {
    const schema = { type: "object", properties: { n: { type: "number" } }, required: ["n"] }
    expect(Reference.ajvCheck(schema, { n: 1 })).toBe("conforms")
    expect(Reference.ajvCheck(schema, { n: "1" })).toBe("mismatch")
    expect(Reference.ajvCheck({ type: "nonsense" }, {})).toBe("invalid_definition")
    expect(Reference.referenceConformance(new Map([["t", { params: schema, result: {} }]]), "u", {}, { x: 1 }, "complete"))
      .toEqual({ payload: "undeclared_type", result: "undeclared_type" })
    expect(Reference.referenceConformance(new Map([["t", { params: schema, result: schema }]]), "t", { n: 1 }, {}, "failed"))
      .toEqual({ payload: "conforms", result: "not_applicable" })
  })
})
