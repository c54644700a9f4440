/**
 * Arbitraries for every command of the Ledger, derived from the `Commands` Schemas with
 * `Arbitrary.make` where a schema describes the value, with realistic constraints where it does
 * not (names from realistic pools, timestamps near now, ids that exist in the account).
 *
 * Every value is a *decoded* command: what the Ledger methods take.
 */
import {
  type ActivitySchema,
  type AgentVersion,
  Commands,
  DataRisk,
  type Ids,
  type Json,
  RiskProfile,
  type Status
} from "@agentledger/domain"
import { Arbitrary, DateTime, FastCheck as fc, Schema } from "effect"
import {
  payloads,
  paramsSchemas,
  renderSchema,
  renderVersion,
  results,
  resultSchemas,
  type SchemaSpec,
  spanTypeNames,
  type SpanTypeSpec,
  type VersionSpec
} from "../specs.js"

// ---------------------------------------------------------------------------------------------
// Realistic leaves
// ---------------------------------------------------------------------------------------------

/** A schema of strings whose arbitrary is the given one. */
const stringFrom = (arbitrary: fc.Arbitrary<string>) => Schema.String.annotations({ arbitrary: () => () => arbitrary })

/** Environment names, with case and whitespace variants of each other and of the defaults. */
export const environmentNames = ["qa", "QA", " qa ", "preview", "eu-production", "Staging", "sandbox", "load-test"] as const
export const environmentName: fc.Arbitrary<string> = fc.constantFrom(...environmentNames)

export const agentNames = ["Support bot", "Billing agent", "Researcher", "  Triage  ", "Agent"] as const
export const agentName: fc.Arbitrary<string> = fc.constantFrom(...agentNames)

export const externalIdentifiers = ["support-bot", "billing", "research-v2"] as const

export const profileNames = ["Customer data", "Finance", "Default"] as const

export const terminationReasons = ["operator stop", "budget exceeded", "   "] as const

/** Epoch milliseconds within a day of now: what a client clock reports. */
export const recentMillis: fc.Arbitrary<number> = fc.integer({ min: -86_400_000, max: 86_400_000 }).map((offset) => Date.now() + offset)
const recentDateTime = Schema.DateTimeUtcFromSelf.annotations({
  arbitrary: () => () => recentMillis.map((millis) => DateTime.unsafeMake(millis))
})
const futureDateTime = Schema.DateTimeUtcFromSelf.annotations({
  arbitrary: () => () => fc.integer({ min: 3_600_000, max: 30 * 86_400_000 }).map((offset) => DateTime.unsafeMake(Date.now() + offset))
})

// ---------------------------------------------------------------------------------------------
// Data risk and risk profiles
// ---------------------------------------------------------------------------------------------

/** A data-risk declaration: derived from the schema, biased towards `allowed` / `included` so that types score. */
export const dataRisk: fc.Arbitrary<DataRisk.DataRisk> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(DataRisk.unknownDataRisk) },
  {
    weight: 3,
    arbitrary: fc.record({
      noise: Arbitrary.make(DataRisk.DataRisk),
      allowed: fc.subarray([...DataRisk.actions], { maxLength: 3 }),
      params: fc.subarray([...DataRisk.categories], { maxLength: 4 }),
      result: fc.subarray([...DataRisk.categories], { maxLength: 3 })
    }).map(({ allowed, noise, params, result }) => ({
      action_profile: { ...noise.action_profile, ...Object.fromEntries(allowed.map((a) => [a, "allowed" as const])) },
      params_data_categories: { ...noise.params_data_categories, ...Object.fromEntries(params.map((c) => [c, "included" as const])) },
      result_data_categories: { ...noise.result_data_categories, ...Object.fromEntries(result.map((c) => [c, "included" as const])) }
    }))
  }
)

/** A valid rule set: weights from the `CategoryWeight` schema, multipliers with two decimals, increasing thresholds. */
export const riskRulesInput: fc.Arbitrary<RiskProfile.RiskRulesInput> = fc.record({
  category_weights: fc.dictionary(fc.constantFrom(...DataRisk.categories), Arbitrary.make(RiskProfile.CategoryWeight), { maxKeys: 8 }),
  action_multipliers: fc.dictionary(
    fc.constantFrom(...DataRisk.actions),
    fc.record({ multiplier: fc.integer({ min: 0, max: 300 }).map((hundredths) => hundredths / 100), included: fc.boolean() }),
    { maxKeys: 4 }
  ),
  thresholds: fc.tuple(fc.integer({ min: 1, max: 20_000 }), fc.integer({ min: 1, max: 30_000 }), fc.integer({ min: 1, max: 60_000 }))
    .map(([medium, high, critical]) => ({ medium: medium / 100, high: (medium + high) / 100, critical: (medium + high + critical) / 100 }))
})

/** The same rules made invalid: thresholds out of order. */
export const invalidRules = (rules: RiskProfile.RiskRulesInput): RiskProfile.RiskRulesInput => ({
  ...rules,
  thresholds: { medium: rules.thresholds.high, high: rules.thresholds.medium, critical: rules.thresholds.critical }
})

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

const CreateEnvironmentRealistic = Schema.Struct({
  name: stringFrom(environmentName),
  purpose: Commands.CreateEnvironment.fields.purpose,
  description: Commands.CreateEnvironment.fields.description
})
export const createEnvironment: fc.Arbitrary<Commands.CreateEnvironment> = Arbitrary.make(CreateEnvironmentRealistic)

const UpdateEnvironmentRealistic = Schema.Struct({
  name: Schema.optional(stringFrom(environmentName)),
  purpose: Commands.UpdateEnvironment.fields.purpose,
  description: Commands.UpdateEnvironment.fields.description
})
export const updateEnvironment: fc.Arbitrary<Commands.UpdateEnvironment> = Arbitrary.make(UpdateEnvironmentRealistic)

/** An account token, perhaps expiring later. */
export const createAccountToken: fc.Arbitrary<Commands.CreateToken> = Arbitrary.make(Schema.Struct({
  token_scope: Schema.Literal("account"),
  expires_at: Schema.optional(Schema.NullOr(futureDateTime))
}))

/** A token for one deployment. */
export const createDeploymentToken = (deployment: Ids.DeploymentId): fc.Arbitrary<Commands.CreateToken> =>
  Arbitrary.make(Schema.Struct({
    token_scope: Schema.Literal("agent_deployment"),
    agent_deployment_id: Schema.Literal(deployment),
    expires_at: Schema.optional(Schema.NullOr(futureDateTime))
  }))

const oneOf = <A extends string>(values: ReadonlyArray<A>): fc.Arbitrary<A> => fc.constantFrom(...values)

export const createAgent = (profiles: ReadonlyArray<Ids.RiskProfileId> = []): fc.Arbitrary<Commands.CreateAgent> =>
  Arbitrary.make(Schema.Struct({
    name: stringFrom(agentName),
    description: Commands.CreateAgent.fields.description,
    external_identifier: Schema.optional(Schema.NullOr(stringFrom(oneOf(externalIdentifiers)))),
    ...(profiles.length === 0 ? {} : { risk_profile_id: Schema.optional(Schema.NullOr(Schema.Literal(...profiles))) })
  }))

export const updateAgent = (profiles: ReadonlyArray<Ids.RiskProfileId> = []): fc.Arbitrary<Commands.UpdateAgent> =>
  Arbitrary.make(Schema.Struct({
    name: Schema.optional(stringFrom(agentName)),
    description: Commands.UpdateAgent.fields.description,
    ...(profiles.length === 0 ? {} : { risk_profile_id: Schema.optional(Schema.NullOr(Schema.Literal(...profiles))) })
  }))

export const createRiskProfile: fc.Arbitrary<Commands.CreateRiskProfile> = fc.record({
  name: fc.constantFrom(...profileNames),
  description: fc.option(fc.constantFrom("for support agents", "strict"), { nil: null }),
  rules: riskRulesInput
}).map(({ description, name, rules }) => ({ name, description, ...rules }))

export const updateRiskProfile: fc.Arbitrary<Commands.UpdateRiskProfile> = fc.record({
  name: fc.option(fc.constantFrom(...profileNames), { nil: undefined }),
  rules: riskRulesInput
}).map(({ name, rules }) => (name === undefined ? { ...rules } : { name, ...rules }))

const StartRunRealistic = Schema.Struct({ timestamp: Schema.optional(Schema.NullOr(recentDateTime)) })
export const startRun: fc.Arbitrary<Commands.StartRun> = Arbitrary.make(StartRunRealistic)

const FinishRunRealistic = Schema.Struct({
  status: Commands.FinishRun.fields.status,
  timestamp: Schema.optional(Schema.NullOr(recentDateTime))
})
export const finishRun: fc.Arbitrary<Commands.FinishRun> = Arbitrary.make(FinishRunRealistic)

export const terminateRun: fc.Arbitrary<Commands.TerminateRun> = Arbitrary.make(Schema.Struct({
  reason: stringFrom(oneOf(terminationReasons))
}))

// --- Activity schemas and versions -----------------------------------------------------------

export const spanTypeSpec = (name: string): fc.Arbitrary<SpanTypeSpec> =>
  fc.record({
    name: fc.constant(name),
    params: fc.constantFrom(...paramsSchemas),
    result: fc.constantFrom(...resultSchemas),
    title: fc.option(fc.constantFrom("Model call", "CRM lookup"), { nil: null, freq: 3 }),
    description: fc.option(fc.constantFrom("one step", "calls a tool"), { nil: null, freq: 3 }),
    data_risk: dataRisk
  })

/** An activity schema as content: one to four of the known span types. */
export const schemaSpec: fc.Arbitrary<SchemaSpec> = fc.subarray([...spanTypeNames], { minLength: 1, maxLength: 4 }).chain((names) =>
  fc.record({
    external_identifier: fc.constantFrom(null, "schema-1", "schema-2"),
    types: fc.tuple(...names.map(spanTypeSpec))
  })
)

const packages = <A extends string>(values: ReadonlyArray<A>) => fc.option(fc.subarray([...values], { minLength: 1 }), { nil: null })

export const versionSpec: fc.Arbitrary<VersionSpec> = fc.record({
  external_identifier: fc.constantFrom(null, "1.0.0", "1.1.0", "2.0.0"),
  prefactor_sdk: packages(["@prefactor/core@0.2.9", "@prefactor/langchain@0.1.0", "@prefactor/ai@0.3.1"]),
  agent_sdk: packages(["langchain@0.3.0", "ai@4.0.0", "openai@4.1.0"]),
  runtime: fc.option(fc.constantFrom("node 20.11.0", "node 22.1.0"), { nil: null }),
  os: fc.option(fc.constantFrom("linux", "darwin"), { nil: null })
})

/** An activity schema in one of its many forms. */
export const activitySchemaInput: fc.Arbitrary<ActivitySchema.ActivitySchemaInput> = fc.tuple(schemaSpec, fc.nat())
  .map(([spec, seed]) => renderSchema(spec, seed))

export const versionMetadataInput: fc.Arbitrary<AgentVersion.VersionMetadataInput> = fc.tuple(
  versionSpec,
  fc.option(fc.constantFrom(...agentNames), { nil: null }),
  fc.nat()
).map(([spec, name, seed]) => renderVersion(spec, { name, description: null }, seed))

/** A run of one agent in one environment, with version metadata and an activity schema. */
export const registerRun = (agent: Ids.AgentId, environment: Ids.EnvironmentId): fc.Arbitrary<Commands.RegisterRun> =>
  fc.record({
    agent_version: versionMetadataInput,
    agent_schema_version: activitySchemaInput,
    update_current_version: fc.boolean(),
    purpose: fc.constantFrom("live" as const, "smoke_test" as const, "eval" as const)
  }).map((run) => ({ agent_id: agent, environment_id: environment, ...run }))

// --- Spans -----------------------------------------------------------------------------------

export const spanStatus: fc.Arbitrary<Status.Status> = fc.constantFrom("pending", "active", "complete", "failed", "cancelled", "terminated")
const terminalStatus = fc.constantFrom("complete" as const, "failed" as const, "cancelled" as const, "terminated" as const)

/** A span a client reports on an instance (a result only with a terminal status, as the API requires). */
export const createSpan = (
  instance: Ids.InstanceId,
  parents: ReadonlyArray<Ids.SpanId> = []
): fc.Arbitrary<Commands.CreateSpan> =>
  fc.record({
    schema_name: fc.constantFrom(...spanTypeNames, "undeclared:type"),
    payload: fc.oneof(fc.constantFrom(...payloads), Arbitrary.make(Schema.Record({ key: Schema.String, value: Schema.String }))),
    open: fc.boolean(),
    terminal: terminalStatus,
    result: fc.option(fc.constantFrom(...results), { nil: null }),
    parent: parents.length === 0 ? fc.constant(null) : fc.option(fc.constantFrom(...parents), { nil: null }),
    started_at: fc.option(recentMillis.map((millis) => DateTime.unsafeMake(millis)), { nil: null })
  }).map(({ open, parent, payload, result, schema_name, started_at, terminal }): Commands.CreateSpan => ({
    agent_instance_id: instance,
    schema_name,
    status: open ? "active" : terminal,
    payload,
    result_payload: open ? null : result,
    parent_span_id: parent,
    started_at
  }))

const FinishSpanRealistic = Schema.Struct({
  status: Commands.FinishSpan.fields.status,
  result_payload: Schema.optional(Schema.NullOr(Schema.Unknown.annotations({ arbitrary: () => () => fc.constantFrom(...results) }))),
  timestamp: Schema.optional(Schema.NullOr(recentDateTime))
})
/** How a span finishes. */
export const finishSpan: fc.Arbitrary<Commands.FinishSpan> = Arbitrary.make(FinishSpanRealistic).map((input) => ({
  status: input.status,
  ...(input.timestamp === undefined ? {} : { timestamp: input.timestamp }),
  ...(input.result_payload === undefined ? {} : { result_payload: toResult(input.result_payload) })
}))

const toResult = (value: unknown): Json.JsonObject | null => results.find((result) => result === value) ?? null

// --- Deployments -----------------------------------------------------------------------------

export const createDeployment = (
  agent: Ids.AgentId,
  environment: Ids.EnvironmentId,
  versions: ReadonlyArray<Ids.AgentVersionId> = []
): fc.Arbitrary<Commands.CreateDeployment> =>
  (versions.length === 0 ? fc.constant(null) : fc.option(fc.constantFrom(...versions), { nil: null }))
    .map((current_version_id) => ({ agent_id: agent, environment_id: environment, current_version_id }))

export const updateDeployment = (versions: ReadonlyArray<Ids.AgentVersionId>): fc.Arbitrary<Commands.UpdateDeployment> =>
  fc.option(fc.constantFrom(...versions), { nil: null }).map((current_version_id) => ({ current_version_id }))

export const rollbackDeployment = (versions: ReadonlyArray<Ids.AgentVersionId>): fc.Arbitrary<Commands.RollbackDeployment> =>
  fc.constantFrom(...versions).map((version_id) => ({ version_id }))

// --- Lists -----------------------------------------------------------------------------------

/** A page request over the given sort fields: offsets past the end included. */
export const listRequest = (fields: ReadonlyArray<string>): fc.Arbitrary<Commands.ListRequest> =>
  fc.record({
    offset: fc.integer({ min: 0, max: 30 }),
    page_size: fc.integer({ min: 1, max: 100 }),
    sorting: fc.option(fc.tuple(fc.constantFrom(...fields), fc.boolean()).map(([field, desc]) => (desc ? `-${field}` : field)), { nil: undefined })
  }).map(({ offset, page_size, sorting }) => (sorting === undefined ? { offset, page_size } : { offset, page_size, sorting }))
