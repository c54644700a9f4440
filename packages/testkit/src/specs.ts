/**
 * Activity schemas and version metadata as *content* (what a register call means) and their
 * *forms* (how a client may spell it): the three input forms of an activity schema mixed at
 * random, keys in any order, defaults written out or left implicit, package lists in any
 * order. Every form of one content must land on the same schema version and version; any
 * change of content must not (docs/domain.md, "Agent version"; invariant 3).
 */
import type { ActivitySchema, AgentVersion, DataRisk, Json } from "@agentledger/domain"
import { seededRandom, shuffle, shuffleKeys } from "./random.js"
import { canonical, type DeclaredTypes } from "./reference.js"

// ---------------------------------------------------------------------------------------------
// Pools: realistic span types, JSON Schemas and payloads
// ---------------------------------------------------------------------------------------------

export const spanTypeNames = ["agent", "llm", "tool:crm", "retrieval", "email:send"] as const

/** Params schemas: permissive, simple object schemas, and one definition that does not compile. */
export const paramsSchemas: ReadonlyArray<Json.Json> = [
  {},
  { type: "object", properties: { prompt: { type: "string" } }, required: ["prompt"] },
  { type: "object", properties: { customer_id: { type: "string" }, limit: { type: "integer", minimum: 1 } }, required: ["customer_id"] },
  { type: "object", additionalProperties: false, properties: { query: { type: "string", maxLength: 20 } } },
  { type: "object", properties: { n: { type: "number" } }, required: ["n"] },
  { type: "nonsense" }
]

export const resultSchemas: ReadonlyArray<Json.Json> = [
  {},
  { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
  { type: "object", properties: { email: { type: "string", pattern: "^[^@]+@[^@]+$" } }, required: ["email"] },
  { type: "object", properties: { rows: { type: "array", items: { type: "integer" } } } }
]

/** Payloads that conform to some of the schemas above and not to others. */
export const payloads: ReadonlyArray<Json.JsonObject> = [
  {},
  { prompt: "summarise the ticket" },
  { prompt: 3 },
  { customer_id: "c-1" },
  { customer_id: "c-2", limit: 0 },
  { customer_id: "c-3", limit: 10 },
  { query: "short" },
  { query: "a query that is far too long for the schema" },
  { query: "q", extra: true },
  { n: 1.5 },
  { n: "1" }
]

export const results: ReadonlyArray<Json.JsonObject> = [
  {},
  { text: "done" },
  { text: 42 },
  { email: "a@example.com" },
  { email: "not an address" },
  { rows: [1, 2, 3] },
  { rows: [1, "x"] }
]

// ---------------------------------------------------------------------------------------------
// Activity schema content and forms
// ---------------------------------------------------------------------------------------------

export interface SpanTypeSpec {
  readonly name: string
  readonly params: Json.Json
  readonly result: Json.Json
  /** Null: the default (the type's name). */
  readonly title: string | null
  readonly description: string | null
  readonly data_risk: DataRisk.DataRisk
}

/** An activity schema as content: types with unique names. */
export interface SchemaSpec {
  readonly external_identifier: string | null
  readonly types: ReadonlyArray<SpanTypeSpec>
}

const isUnknownRisk = (risk: DataRisk.DataRisk): boolean =>
  Object.values(risk.action_profile).every((flag) => flag === "unknown") &&
  Object.values(risk.params_data_categories).every((flag) => flag === "unknown") &&
  Object.values(risk.result_data_categories).every((flag) => flag === "unknown")

const isPermissive = (schema: Json.Json): boolean =>
  typeof schema === "object" && schema !== null && !Array.isArray(schema) && Object.keys(schema).length === 0

/** What a schema means, as canonical text: equal exactly when two specs must share a schema version. */
export const schemaContentKey = (spec: SchemaSpec): string =>
  canonical({
    external_identifier: spec.external_identifier,
    types: Object.fromEntries(
      spec.types.map((type) => [type.name, {
        params: type.params,
        result: type.result,
        title: type.title ?? type.name,
        description: type.description,
        data_risk: type.data_risk
      }])
    )
  })

/** The declared types of a spec, for the reference conformance check. */
export const declaredTypes = (spec: SchemaSpec): DeclaredTypes =>
  new Map(spec.types.map((type) => [type.name, { params: type.params, result: type.result }]))

export { seededRandom, shuffle, shuffleKeys }

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/**
 * One way of writing a schema: each part of each type goes to `span_schemas` /
 * `span_result_schemas` or to a `span_type_schemas` entry, defaults are written out or left
 * implicit, lists and keys are shuffled. With `corrupt`, a type is listed twice (refused).
 */
export const renderSchema = (
  spec: SchemaSpec,
  seed: number,
  options: { readonly corrupt?: boolean } = {}
): ActivitySchema.ActivitySchemaInput => {
  const random = seededRandom(seed)
  const coin = (p = 0.5) => random() < p
  const spanSchemas: Record<string, Json.Json> = {}
  const resultSchemas: Record<string, Json.Json> = {}
  const list: Array<ActivitySchema.SpanTypeSchemaInput> = []
  for (const type of shuffle(spec.types, random)) {
    const entry: Mutable<ActivitySchema.SpanTypeSchemaInput> = { name: type.name }
    let onEntry = false
    // Params: in the map, on the entry, or (when permissive) nowhere.
    if (!isPermissive(type.params) || coin()) {
      if (coin()) spanSchemas[type.name] = shuffleKeys(type.params, random)
      else {
        entry.params_schema = shuffleKeys(type.params, random)
        onEntry = true
      }
    }
    if (!isPermissive(type.result) || coin()) {
      if (coin()) resultSchemas[type.name] = shuffleKeys(type.result, random)
      else {
        entry.result_schema = shuffleKeys(type.result, random)
        onEntry = true
      }
    }
    const inMaps = type.name in spanSchemas || type.name in resultSchemas
    const needed = onEntry || !inMaps || type.title !== null || type.description !== null || !isUnknownRisk(type.data_risk)
    if (!needed && coin()) continue
    if (type.title !== null) entry.title = type.title
    else if (coin(0.3)) entry.title = type.name
    else if (coin(0.3)) entry.title = null
    if (type.description !== null) entry.description = type.description
    else if (coin(0.3)) entry.description = null
    if (!isUnknownRisk(type.data_risk)) entry.data_risk = type.data_risk
    else if (coin(0.3)) entry.data_risk = type.data_risk
    else if (coin(0.3)) entry.data_risk = null
    list.push(entry)
  }
  if (options.corrupt === true) {
    const first = spec.types[0]
    const name = first?.name ?? "agent"
    list.push({ name }, { name, params_schema: {} })
  }
  const out: Mutable<ActivitySchema.ActivitySchemaInput> = {}
  if (spec.external_identifier !== null) out.external_identifier = spec.external_identifier
  else if (coin(0.3)) out.external_identifier = null
  if (Object.keys(spanSchemas).length > 0 || coin(0.2)) out.span_schemas = spanSchemas
  if (Object.keys(resultSchemas).length > 0 || coin(0.2)) out.span_result_schemas = resultSchemas
  if (list.length > 0 || coin(0.2)) out.span_type_schemas = list
  return out
}

// ---------------------------------------------------------------------------------------------
// Version metadata
// ---------------------------------------------------------------------------------------------

export interface VersionSpec {
  readonly external_identifier: string | null
  readonly prefactor_sdk: ReadonlyArray<string> | null
  readonly agent_sdk: ReadonlyArray<string> | null
  readonly runtime: string | null
  readonly os: string | null
}

/** What a version means: its metadata (package lists as sets) and its schema's content. */
export const versionContentKey = (spec: VersionSpec, schemaKey: string): string =>
  canonical({
    external_identifier: spec.external_identifier,
    prefactor_sdk: spec.prefactor_sdk === null ? null : [...spec.prefactor_sdk].sort(),
    agent_sdk: spec.agent_sdk === null ? null : [...spec.agent_sdk].sort(),
    runtime: spec.runtime,
    os: spec.os,
    schema: schemaKey
  })

/**
 * One way of writing version metadata. `name` and `description` are display fields: they are
 * not content, so any value may accompany a given spec.
 */
export const renderVersion = (
  spec: VersionSpec,
  display: { readonly name: string | null; readonly description: string | null },
  seed: number
): AgentVersion.VersionMetadataInput => {
  const random = seededRandom(seed ^ 0x5bd1e995)
  const coin = (p = 0.5) => random() < p
  const out: Mutable<AgentVersion.VersionMetadataInput> = {}
  if (spec.external_identifier !== null) out.external_identifier = spec.external_identifier
  else if (coin(0.3)) out.external_identifier = null
  if (display.name !== null) out.name = display.name
  if (display.description !== null) out.description = display.description
  const runtime: Mutable<AgentVersion.RuntimeEnvironmentInput> = {}
  if (spec.prefactor_sdk !== null) runtime.prefactor_sdk = shuffle(spec.prefactor_sdk, random)
  else if (coin(0.3)) runtime.prefactor_sdk = null
  if (spec.agent_sdk !== null) runtime.agent_sdk = shuffle(spec.agent_sdk, random)
  else if (coin(0.3)) runtime.agent_sdk = null
  if (spec.runtime !== null) runtime.runtime = spec.runtime
  else if (coin(0.3)) runtime.runtime = null
  if (spec.os !== null) runtime.os = spec.os
  else if (coin(0.3)) runtime.os = null
  if (Object.keys(runtime).length > 0) out.runtime_environment = runtime
  else if (coin(0.3)) out.runtime_environment = coin() ? null : {}
  return out
}
