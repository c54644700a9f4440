/**
 * A register call's activity schema as content, independent of the form it is sent in: specs of
 * span types, the forms that can carry them (the `span_type_schemas` list or the
 * `span_schemas` / `span_result_schemas` maps, defaults spelled out or left out), the JSON input
 * built from a spec in a chosen form, and the normalized schema docs/domain.md says every form
 * must give. The fingerprint tests compare forms of one content, and contents one change apart.
 */
import { Either, FastCheck as fc, Schema } from "effect"
import { ActivitySchema, DataRisk, type Json } from "@agentledger/domain"
import { dataRisk, jsonValue, seededRandom, shuffle } from "../arbitraries.js"

/** One span type as content: what it declares, `undefined` where it declares nothing. */
export interface TypeSpec {
  readonly name: string
  readonly params: Json.Json | undefined
  readonly result: Json.Json | undefined
  readonly title: string | undefined
  readonly description: string | undefined
  readonly template: string | undefined
  readonly result_template: string | undefined
  readonly data_risk: DataRisk.DataRisk | undefined
}

/** An activity schema as content: its external identifier and its span types. */
export interface Spec {
  readonly external: string | null | undefined
  readonly types: ReadonlyArray<TypeSpec>
}

/** How one type is sent: which form carries its params and its result, defaults spelled out or not. */
export interface Placement {
  readonly params: "list" | "map"
  readonly result: "list" | "map"
  readonly explicitDefaults: boolean
  readonly omitUnknownRisk: boolean
}

/** Span type names, common ones and arbitrary ones (never an `Object.prototype` member). */
export const typeName = fc
  .oneof(
    fc.constantFrom("search", "fetch", "llm:call", "tool.use", "a", "b", "Search", "x y", "é"),
    fc.string({ minLength: 1, maxLength: 12 })
  )
  .filter((name) => !(name in {}))

const optionalString = fc.option(fc.string({ maxLength: 10 }), { nil: undefined })

const typeSpec = (withExtras: boolean): fc.Arbitrary<Omit<TypeSpec, "name">> =>
  fc.record({
    params: fc.option(jsonValue, { nil: undefined }),
    result: fc.option(jsonValue, { nil: undefined }),
    title: withExtras ? optionalString : fc.constant(undefined),
    description: withExtras ? optionalString : fc.constant(undefined),
    template: withExtras ? optionalString : fc.constant(undefined),
    result_template: withExtras ? optionalString : fc.constant(undefined),
    data_risk: withExtras ? fc.option(dataRisk, { nil: undefined }) : fc.constant(undefined)
  })

const specArb = (withExtras: boolean): fc.Arbitrary<Spec> =>
  fc.record({
    external: fc.option(fc.option(fc.string({ maxLength: 10 }), { nil: null }), { nil: undefined }),
    types: fc
      .uniqueArray(typeName, { maxLength: 5 })
      .chain((names) => fc.tuple(...names.map((name) => typeSpec(withExtras).map((t): TypeSpec => ({ ...t, name })))))
  })

const placementArb: fc.Arbitrary<Placement> = fc.record({
  params: fc.constantFrom("list", "map"),
  result: fc.constantFrom("list", "map"),
  explicitDefaults: fc.boolean(),
  omitUnknownRisk: fc.boolean()
})

/** Every part in the `span_type_schemas` list, or every part in the maps; defaults left out. */
export const listPlacement: Placement = { params: "list", result: "list", explicitDefaults: false, omitUnknownRisk: false }
export const mapPlacement: Placement = { params: "map", result: "map", explicitDefaults: false, omitUnknownRisk: false }

/** A data-risk declaration as JSON, optionally leaving out every `unknown` flag (the default). */
export const dataRiskJson = (risk: DataRisk.DataRisk, omitUnknown: boolean): Json.JsonObject => {
  const keep = (value: string) => !omitUnknown || value !== "unknown"
  return {
    action_profile: Object.fromEntries(
      DataRisk.actions.map((a) => [a, risk.action_profile[a]] as const).filter(([, v]) => keep(v))
    ),
    params_data_categories: Object.fromEntries(
      [
        ["classification", risk.params_data_categories.classification] as const,
        ...DataRisk.categories.map((c) => [c, risk.params_data_categories[c]] as const)
      ].filter(([, v]) => keep(v))
    ),
    result_data_categories: Object.fromEntries(
      [
        ["classification", risk.result_data_categories.classification] as const,
        ...DataRisk.categories.map((c) => [c, risk.result_data_categories[c]] as const)
      ].filter(([, v]) => keep(v))
    )
  }
}

/** The register call's `agent_schema_version` block, as JSON, in the chosen forms. */
export const buildInput = (spec: Spec, placements: ReadonlyArray<Placement>, seed: number): Json.JsonObject => {
  const random = seededRandom(seed)
  const params: Array<readonly [string, Json.Json]> = []
  const results: Array<readonly [string, Json.Json]> = []
  const list: Array<Json.JsonObject> = []
  spec.types.forEach((t, i) => {
    const p = placements[i] ?? listPlacement
    const entry: Record<string, Json.Json> = {}
    if (t.params !== undefined) {
      if (p.params === "list") entry["params_schema"] = t.params
      else params.push([t.name, t.params])
    } else if (p.explicitDefaults) entry["params_schema"] = {}
    if (t.result !== undefined) {
      if (p.result === "list") entry["result_schema"] = t.result
      else results.push([t.name, t.result])
    } else if (p.explicitDefaults) entry["result_schema"] = {}
    const extra = (key: string, value: string | undefined, fallback: Json.Json) => {
      if (value !== undefined) entry[key] = value
      else if (p.explicitDefaults) entry[key] = fallback
    }
    extra("title", t.title, random() < 0.5 ? null : t.name)
    extra("description", t.description, null)
    extra("template", t.template, null)
    extra("result_template", t.result_template, null)
    if (t.data_risk !== undefined) entry["data_risk"] = dataRiskJson(t.data_risk, p.omitUnknownRisk)
    else if (p.explicitDefaults) entry["data_risk"] = random() < 0.5 ? null : dataRiskJson(DataRisk.unknownDataRisk, random() < 0.5)
    if (Object.keys(entry).length > 0) list.push({ name: t.name, ...entry })
    else if (!params.some(([n]) => n === t.name) && !results.some(([n]) => n === t.name)) {
      // Nothing else names this type: `{}` in the params map is the same content as an omitted schema.
      params.push([t.name, {}])
    }
  })
  const input: Record<string, Json.Json> = {}
  if (spec.external !== undefined) input["external_identifier"] = spec.external
  const map = (key: string, entries: ReadonlyArray<readonly [string, Json.Json]>) => {
    if (entries.length > 0) input[key] = Object.fromEntries(shuffle(entries, random))
    else if (random() < 0.3) input[key] = random() < 0.5 ? null : {}
  }
  map("span_schemas", params)
  map("span_result_schemas", results)
  if (list.length > 0) input["span_type_schemas"] = shuffle(list, random)
  else if (random() < 0.3) input["span_type_schemas"] = random() < 0.5 ? null : []
  return input
}

const decodeInput = Schema.decodeUnknownSync(ActivitySchema.ActivitySchemaInput)

/** A JSON input decoded and normalized, as the register call does. */
export const normalizeJson = (input: Json.Json): ActivitySchema.ActivitySchema => Either.getOrThrow(ActivitySchema.normalize(decodeInput(input)))

/** The schema fingerprint of a JSON input. */
export const fingerprintOfInput = (input: Json.Json): string => ActivitySchema.schemaFingerprint(normalizeJson(input))

/** The normalized schema a spec must give, written from docs/domain.md, not from the code. */
export const expectedSchema = (spec: Spec): ActivitySchema.ActivitySchema => ({
  external_identifier: spec.external ?? null,
  span_type_schemas: Object.fromEntries(spec.types.map((t) => [t.name, {
    name: t.name,
    params_schema: t.params ?? {},
    result_schema: t.result ?? {},
    title: t.title ?? t.name,
    description: t.description ?? null,
    template: t.template ?? null,
    result_template: t.result_template ?? null,
    data_risk: t.data_risk ?? DataRisk.unknownDataRisk
  }]))
})

/** A spec, a form for each of its types, and a seed for the rest of the input's shape. */
export const withPlacements = (withExtras: boolean) =>
  specArb(withExtras).chain((spec) =>
    fc.record({
      spec: fc.constant(spec),
      placements: fc.array(placementArb, { minLength: spec.types.length, maxLength: spec.types.length }),
      seed: fc.integer()
    })
  )
