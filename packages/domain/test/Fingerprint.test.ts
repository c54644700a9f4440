/**
 * Fingerprints (docs/domain.md "Versions", invariant 3): the schema fingerprint and the version
 * fingerprint are invariant under key order and input form, and sensitive to any content change.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc, Schema } from "effect"
import { ActivitySchema, AgentVersion, DataRisk, Digest, Json } from "@agentledger/domain"
import {
  dataRisk,
  jsonKey,
  jsonValue,
  keyOrder,
  leafPaths,
  perturbAt,
  runs,
  seededRandom,
  shuffle,
  shuffleKeys
} from "./arbitraries.js"
import { referenceJcs, sha256 } from "./fixtures.js"

// ---------------------------------------------------------------------------------------------
// A span type as content, independent of the form it is sent in
// ---------------------------------------------------------------------------------------------

interface TypeSpec {
  readonly name: string
  readonly params: Json.Json | undefined
  readonly result: Json.Json | undefined
  readonly title: string | undefined
  readonly description: string | undefined
  readonly template: string | undefined
  readonly result_template: string | undefined
  readonly data_risk: DataRisk.DataRisk | undefined
}

interface Spec {
  readonly external: string | null | undefined
  readonly types: ReadonlyArray<TypeSpec>
}

/** How one type is sent: which form carries its params and its result, defaults spelled out or not. */
interface Placement {
  readonly params: "list" | "map"
  readonly result: "list" | "map"
  readonly explicitDefaults: boolean
  readonly omitUnknownRisk: boolean
}

const typeName = fc
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

const listPlacement: Placement = { params: "list", result: "list", explicitDefaults: false, omitUnknownRisk: false }
const mapPlacement: Placement = { params: "map", result: "map", explicitDefaults: false, omitUnknownRisk: false }

/** A data-risk declaration as JSON, optionally leaving out every `unknown` flag (the default). */
const dataRiskJson = (risk: DataRisk.DataRisk, omitUnknown: boolean): Json.JsonObject => {
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
const buildInput = (spec: Spec, placements: ReadonlyArray<Placement>, seed: number): Json.JsonObject => {
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

const normalizeJson = (input: Json.Json): ActivitySchema.ActivitySchema => Either.getOrThrow(ActivitySchema.normalize(decodeInput(input)))

const fingerprintOfInput = (input: Json.Json): string => ActivitySchema.schemaFingerprint(normalizeJson(input))

/** The normalized schema a spec must give, written from docs/domain.md, not from the code. */
const expectedSchema = (spec: Spec): ActivitySchema.ActivitySchema => ({
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

const withPlacements = (withExtras: boolean) =>
  specArb(withExtras).chain((spec) =>
    fc.record({
      spec: fc.constant(spec),
      placements: fc.array(placementArb, { minLength: spec.types.length, maxLength: spec.types.length }),
      seed: fc.integer()
    })
  )

describe("ActivitySchema.normalize + schemaFingerprint", () => {
  it.prop(
    "every input form gives the normalized schema of docs/domain.md and one fingerprint",
    [withPlacements(true)],
    ([{ placements, seed, spec }]) => {
      const expected = expectedSchema(spec)
      const canonical = buildInput(spec, spec.types.map(() => listPlacement), seed)
      const mixed = buildInput(spec, placements, seed + 1)
      expect(normalizeJson(canonical)).toEqual(expected)
      expect(normalizeJson(mixed)).toEqual(expected)
      expect(fingerprintOfInput(mixed)).toBe(fingerprintOfInput(canonical))
    },
    { fastCheck: { numRuns: runs(150) } }
  )

  it.prop(
    "span_schemas + span_result_schemas maps, the span_type_schemas list and a mix agree",
    [withPlacements(false)],
    ([{ placements, seed, spec }]) => {
      const maps = buildInput(spec, spec.types.map(() => mapPlacement), seed)
      const list = buildInput(spec, spec.types.map(() => listPlacement), seed)
      const mixed = buildInput(spec, placements, seed)
      expect(maps["span_type_schemas"] ?? []).toEqual([])
      const fingerprint = fingerprintOfInput(list)
      expect(fingerprintOfInput(maps)).toBe(fingerprint)
      expect(fingerprintOfInput(mixed)).toBe(fingerprint)
      expect(normalizeJson(maps)).toEqual(expectedSchema(spec))
    },
    { fastCheck: { numRuns: runs(150) } }
  )

  it.prop(
    "invariant under key order at every depth and under the order of the span_type_schemas list",
    [withPlacements(true), fc.integer()],
    ([{ placements, seed, spec }, shuffleSeed]) => {
      const input = buildInput(spec, placements, seed)
      const reordered = shuffleKeys(input, seededRandom(shuffleSeed))
      expect(fingerprintOfInput(reordered)).toBe(fingerprintOfInput(input))
    },
    { fastCheck: { numRuns: runs(150) } }
  )

  it("key order that survives decoding does not change the fingerprint (example)", () => {
    const a = { span_schemas: { s: { type: "object", properties: { b: { type: "string" }, a: { type: "integer" } } } } }
    const b = { span_schemas: { s: { properties: { a: { type: "integer" }, b: { type: "string" } }, type: "object" } } }
    // The decoded schemas really do hold their keys in different orders…
    expect(keyOrder(normalizeJson(a).span_type_schemas["s"]?.params_schema ?? null))
      .not.toEqual(keyOrder(normalizeJson(b).span_type_schemas["s"]?.params_schema ?? null))
    // …and still have one fingerprint.
    expect(fingerprintOfInput(a)).toBe(fingerprintOfInput(b))
  })

  const schemaParts = ["params", "result"] as const
  const typeFields = ["title", "description", "template", "result_template", "rename", "remove"] as const
  const shifts = [1, 2] as const

  type Change =
    | { readonly kind: (typeof schemaParts)[number]; readonly type: number; readonly leaf: number }
    | { readonly kind: (typeof typeFields)[number]; readonly type: number }
    | { readonly kind: "risk"; readonly type: number; readonly field: number; readonly shift: 1 | 2 }
    | { readonly kind: "external" }
    | { readonly kind: "add" }

  const changeArb: fc.Arbitrary<Change> = fc.oneof(
    fc.record({ kind: fc.constantFrom(...schemaParts), type: fc.nat(), leaf: fc.nat() }),
    fc.record({ kind: fc.constantFrom(...typeFields), type: fc.nat() }),
    fc.record({ kind: fc.constant("risk" as const), type: fc.nat(), field: fc.nat(), shift: fc.constantFrom(...shifts) }),
    fc.constant({ kind: "external" as const }),
    fc.constant({ kind: "add" as const })
  )

  const riskFields = [
    ...DataRisk.actions.map((a) => ["action_profile", a] as const),
    ...DataRisk.categories.map((c) => ["params_data_categories", c] as const),
    ...DataRisk.categories.map((c) => ["result_data_categories", c] as const),
    ["params_data_categories", "classification"] as const,
    ["result_data_categories", "classification"] as const
  ]

  const cycle = (values: ReadonlyArray<string>, value: string, shift: number): string =>
    values[(values.indexOf(value) + shift) % values.length] ?? value

  const shiftRisk = (risk: DataRisk.DataRisk, field: number, shift: 1 | 2): DataRisk.DataRisk => {
    const [section, key] = riskFields[field % riskFields.length] ?? riskFields[0] ?? ["action_profile", "read_data"]
    const permissions = ["allowed", "disallowed", "unknown"]
    const flags = ["included", "excluded", "unknown"]
    const json = dataRiskJson(risk, false)
    const current = json[section] ?? null
    const sectionJson: Json.JsonObject = Json.isJsonObject(current) ? current : {}
    const value = String(sectionJson[key] ?? "unknown")
    const next = key === "classification"
      ? cycle(DataRisk.classifications, value, shift)
      : cycle(section === "action_profile" ? permissions : flags, value, shift)
    return Schema.decodeUnknownSync(DataRisk.DataRisk)({ ...json, [section]: { ...sectionJson, [key]: next } })
  }

  const applyChange = (spec: Spec, change: Change): Spec | undefined => {
    if (change.kind === "external") return { ...spec, external: `${spec.external ?? ""}~` }
    if (change.kind === "add") {
      if (spec.types.some((t) => t.name === "added~")) return undefined
      const added: TypeSpec = {
        name: "added~",
        params: undefined,
        result: undefined,
        title: undefined,
        description: undefined,
        template: undefined,
        result_template: undefined,
        data_risk: undefined
      }
      return { ...spec, types: [...spec.types, added] }
    }
    if (spec.types.length === 0) return undefined
    const index = change.type % spec.types.length
    const target = spec.types[index]
    if (target === undefined) return undefined
    const replace = (t: TypeSpec | null): Spec => ({
      ...spec,
      types: spec.types.flatMap((old, i) => (i === index ? (t === null ? [] : [t]) : [old]))
    })
    switch (change.kind) {
      case "params":
      case "result": {
        const value = target[change.kind] ?? {}
        const paths = leafPaths(value)
        const path = paths[change.leaf % paths.length] ?? []
        return replace({ ...target, [change.kind]: perturbAt(value, path) })
      }
      case "title":
        return replace({ ...target, title: `${target.title ?? target.name}~` })
      case "description":
      case "template":
      case "result_template":
        return replace({ ...target, [change.kind]: `${target[change.kind] ?? ""}~` })
      case "rename":
        return spec.types.some((t) => t.name === `${target.name}~`) ? undefined : replace({ ...target, name: `${target.name}~` })
      case "remove":
        return replace(null)
      case "risk":
        return replace({ ...target, data_risk: shiftRisk(target.data_risk ?? DataRisk.unknownDataRisk, change.field, change.shift) })
    }
  }

  it.prop(
    "sensitive to any content change: one leaf, a display field, a risk flag, a type added, removed or renamed",
    [withPlacements(true), changeArb],
    ([{ placements, seed, spec }, change]) => {
      const changed = applyChange(spec, change)
      fc.pre(changed !== undefined)
      // The change is real content…
      expect(expectedSchema(changed)).not.toEqual(expectedSchema(spec))
      // …whatever forms carry the two versions.
      const before = fingerprintOfInput(buildInput(spec, placements, seed))
      const after = fingerprintOfInput(buildInput(changed, placements, seed + 7))
      expect(after).not.toBe(before)
    },
    { fastCheck: { numRuns: runs(300) } }
  )

  it.prop(
    "the fingerprint is SHA-256 of the RFC 8785 canonical normalized schema, data-risk `unknown`s left out (reference JCS)",
    [withPlacements(true)],
    ([{ placements, seed, spec }]) => {
      const normalized = normalizeJson(buildInput(spec, placements, seed))
      expect(ActivitySchema.schemaFingerprint(normalized)).toBe(sha256(referenceJcs(withoutUnknowns(expectedSchema(spec)))))
    },
    { fastCheck: { numRuns: runs(100) } }
  )

  it.prop(
    "Digest.canonicalJson agrees with a reference JCS on any JSON value, whatever its key order",
    [jsonValue, fc.integer()],
    ([value, seed]) => {
      const reference = referenceJcs(value)
      expect(Digest.canonicalJson(value)).toBe(reference)
      expect(Digest.canonicalJson(shuffleKeys(value, seededRandom(seed)))).toBe(reference)
      expect(Digest.fingerprintOf(value)).toBe(sha256(reference))
    },
    { fastCheck: { numRuns: runs(200) } }
  )

  it("keys that look like array indices sort as strings, as RFC 8785 wants (JavaScript would order them as numbers)", () => {
    expect(Digest.canonicalJson({ b: { "10": 1, "9": 2, a: 3 }, "2": [{ "1": true, "0": false }] }))
      .toBe(`{"2":[{"0":false,"1":true}],"b":{"10":1,"9":2,"a":3}}`)
  })

  it("canonical JSON of a known value (RFC 8785 form)", () => {
    const value = { b: 1, a: [true, null, "x\n"], "€": 1e21, c: { z: 0.5, y: -1, "": 1e-7 }, A: "é" }
    expect(Digest.canonicalJson(value)).toBe(`{"A":"é","a":[true,null,"x\\n"],"b":1,"c":{"":1e-7,"y":-1,"z":0.5},"€":1e+21}`)
  })

  it.prop(
    "where a list entry and a map give the same part of a type, the list entry wins",
    [typeName, jsonValue, jsonValue, jsonValue],
    ([name, listed, mapped, otherMapped]) => {
      // An explicit null is read as "not given" (like a null title), so it is not a competing value.
      fc.pre(listed !== null && JSON.stringify(listed) !== JSON.stringify(mapped))
      const normalized = Either.getOrThrow(ActivitySchema.normalize({
        span_schemas: { [name]: mapped },
        span_result_schemas: { [name]: otherMapped },
        span_type_schemas: [{ name, params_schema: listed }]
      }))
      expect(normalized.span_type_schemas[name]?.params_schema).toEqual(listed)
      // The part the list entry leaves out comes from the map.
      expect(normalized.span_type_schemas[name]?.result_schema).toEqual(otherMapped ?? {})
    },
    { fastCheck: { numRuns: runs(100) } }
  )

  it("span type names: 1–200 characters, unique in the list", () => {
    const ok = ActivitySchema.normalize({ span_type_schemas: [{ name: "x".repeat(200) }] })
    expect(Either.isRight(ok)).toBe(true)
    for (const input of [
      { span_type_schemas: [{ name: "" }] },
      { span_type_schemas: [{ name: "x".repeat(201) }] },
      { span_schemas: { ["y".repeat(201)]: {} } },
      { span_result_schemas: { "": {} } },
      { span_type_schemas: [{ name: "dup" }, { name: "dup", title: "again" }] }
    ]) {
      const result = ActivitySchema.normalize(input)
      expect(Either.isLeft(result)).toBe(true)
      if (Either.isLeft(result)) expect(result.left._tag).toBe("InvalidInput")
    }
  })

  it("the empty input is the empty schema", () => {
    expect(Either.getOrThrow(ActivitySchema.normalize({}))).toEqual(ActivitySchema.emptyActivitySchema)
    expect(Either.getOrThrow(ActivitySchema.normalize({
      external_identifier: null,
      span_schemas: null,
      span_result_schemas: {},
      span_type_schemas: []
    }))).toEqual(ActivitySchema.emptyActivitySchema)
  })

  // Names a span type may legitimately have that are also members of Object.prototype.
  it("a type named like an Object.prototype member still gets the default {} schemas", () => {
    for (const name of ["constructor", "toString", "valueOf", "hasOwnProperty"]) {
      const normalized = Either.getOrThrow(ActivitySchema.normalize({ span_type_schemas: [{ name, title: "T" }] }))
      const definition = normalized.span_type_schemas[name]
      expect(definition?.params_schema).toEqual({})
      expect(definition?.result_schema).toEqual({})
      // Same content as the map form, so one fingerprint.
      expect(ActivitySchema.schemaFingerprint(normalized)).toBe(ActivitySchema.schemaFingerprint(Either.getOrThrow(
        ActivitySchema.normalize({ span_schemas: { [name]: {} }, span_type_schemas: [{ name, title: "T" }] })
      )))
    }
  })

  it("a type named __proto__ is either refused or kept, never silently dropped", () => {
    const result = ActivitySchema.normalize({ span_type_schemas: [{ name: "__proto__", title: "T" }, { name: "other" }] })
    if (Either.isRight(result)) {
      expect(Object.keys(result.right.span_type_schemas).sort()).toEqual(["__proto__", "other"])
    } else {
      expect(result.left._tag).toBe("InvalidInput")
    }
  })
})

// ---------------------------------------------------------------------------------------------
// Version fingerprints
// ---------------------------------------------------------------------------------------------

interface VersionSpec {
  readonly external_identifier: string | null
  readonly schema_fingerprint: string
  readonly prefactor_sdk: ReadonlyArray<string> | null | undefined
  readonly agent_sdk: ReadonlyArray<string> | null | undefined
  readonly runtime: string | null | undefined
  readonly os: string | null | undefined
}

const packageName = fc.oneof(
  fc.constantFrom("@prefactor/core@0.2.9", "langchain@0.3.1", "openai@4.0.0", "node@20.11.0", "a", "B"),
  fc.string({ minLength: 1, maxLength: 10 })
)
const packages = fc.option(fc.option(fc.uniqueArray(packageName, { maxLength: 5 }), { nil: null }), { nil: undefined })
const optionalNullable = fc.option(fc.option(fc.string({ maxLength: 10 }), { nil: null }), { nil: undefined })

const versionSpec: fc.Arbitrary<VersionSpec> = fc.record({
  external_identifier: fc.option(fc.string({ maxLength: 10 }), { nil: null }),
  schema_fingerprint: fc.stringMatching(/^[0-9a-f]{64}$/),
  prefactor_sdk: packages,
  agent_sdk: packages,
  runtime: optionalNullable,
  os: optionalNullable
})

const runtimeInput = (spec: VersionSpec, random: () => number): AgentVersion.RuntimeEnvironmentInput => {
  const input: Record<string, ReadonlyArray<string> | string | null> = {}
  const entries: Array<readonly [string, ReadonlyArray<string> | string | null | undefined]> = [
    ["prefactor_sdk", spec.prefactor_sdk === undefined || spec.prefactor_sdk === null ? spec.prefactor_sdk : shuffle(spec.prefactor_sdk, random)],
    ["agent_sdk", spec.agent_sdk === undefined || spec.agent_sdk === null ? spec.agent_sdk : shuffle(spec.agent_sdk, random)],
    ["runtime", spec.runtime],
    ["os", spec.os]
  ]
  for (const [key, value] of shuffle(entries, random)) {
    // An omitted field and an explicit null are the same content.
    if (value !== undefined) input[key] = value
    else if (random() < 0.5) input[key] = null
  }
  return Schema.decodeUnknownSync(AgentVersion.RuntimeEnvironmentInput)(input)
}

const versionFingerprintOf = (spec: VersionSpec, seed: number): string =>
  AgentVersion.versionFingerprint({
    external_identifier: spec.external_identifier,
    schema_fingerprint: spec.schema_fingerprint,
    runtime_environment: AgentVersion.normalizeRuntime(runtimeInput(spec, seededRandom(seed)))
  })

describe("AgentVersion.versionFingerprint", () => {
  it.prop(
    "package list order and runtime key order are irrelevant; the value is SHA-256 of the JCS form",
    [versionSpec, fc.integer(), fc.integer()],
    ([spec, seedA, seedB]) => {
      const a = versionFingerprintOf(spec, seedA)
      expect(versionFingerprintOf(spec, seedB)).toBe(a)
      const sortedOrNull = (list: ReadonlyArray<string> | null | undefined) =>
        list === undefined || list === null ? null : [...list].sort()
      expect(a).toBe(sha256(referenceJcs({
        external_identifier: spec.external_identifier,
        schema_fingerprint: spec.schema_fingerprint,
        runtime_environment: {
          prefactor_sdk: sortedOrNull(spec.prefactor_sdk),
          agent_sdk: sortedOrNull(spec.agent_sdk),
          runtime: spec.runtime ?? null,
          os: spec.os ?? null
        }
      })))
    },
    { fastCheck: { numRuns: runs(200) } }
  )

  const versionFields = ["external_identifier", "schema_fingerprint", "prefactor_sdk", "agent_sdk", "runtime", "os"] as const
  const versionChange = fc.constantFrom(...versionFields)

  it.prop(
    "sensitive to the external identifier, the schema fingerprint and every runtime field",
    [versionSpec, versionChange, fc.integer()],
    ([spec, field, seed]) => {
      const addPackage = (list: ReadonlyArray<string> | null | undefined) =>
        [...(list ?? []), ...(list?.includes("extra~") === true ? ["extra~~"] : ["extra~"])]
      const changed: VersionSpec = field === "external_identifier"
        ? { ...spec, external_identifier: `${spec.external_identifier ?? ""}~` }
        : field === "schema_fingerprint"
        ? { ...spec, schema_fingerprint: (spec.schema_fingerprint.startsWith("0") ? "1" : "0") + spec.schema_fingerprint.slice(1) }
        : field === "prefactor_sdk" || field === "agent_sdk"
        ? { ...spec, [field]: addPackage(spec[field]) }
        : { ...spec, [field]: `${spec[field] ?? ""}~` }
      expect(versionFingerprintOf(changed, seed)).not.toBe(versionFingerprintOf(spec, seed))
    },
    { fastCheck: { numRuns: runs(200) } }
  )

  it("normalizeRuntime fills omitted fields with null and sorts package lists", () => {
    expect(AgentVersion.normalizeRuntime(undefined)).toEqual({ prefactor_sdk: null, agent_sdk: null, runtime: null, os: null })
    expect(AgentVersion.normalizeRuntime({ agent_sdk: ["b@1", "a@2"], os: "linux" }))
      .toEqual({ prefactor_sdk: null, agent_sdk: ["a@2", "b@1"], runtime: null, os: "linux" })
  })

  it.prop("name and description are display fields, not part of the fingerprint", [jsonKey], ([name]) => {
    const base = { external_identifier: "v1", schema_fingerprint: "f".repeat(64), runtime_environment: AgentVersion.normalizeRuntime({}) }
    const withDisplay = { ...base, name, description: `${name}!` }
    expect(AgentVersion.versionFingerprint(withDisplay)).toBe(AgentVersion.versionFingerprint(base))
  }, { fastCheck: { numRuns: runs(20) } })
})

/** The hashed form: every `"unknown"` of a `data_risk` block dropped (it is the default, not content). */
function withoutUnknowns(schema: ActivitySchema.ActivitySchema): unknown {
  const dropUnknown = (block: Readonly<Record<string, string>>) =>
    Object.fromEntries(Object.entries(block).filter(([, value]) => value !== "unknown"))
  return {
    external_identifier: schema.external_identifier,
    span_type_schemas: Object.fromEntries(Object.entries(schema.span_type_schemas).map(([name, definition]) => [name, {
      ...definition,
      data_risk: {
        action_profile: dropUnknown(definition.data_risk.action_profile),
        params_data_categories: dropUnknown(definition.data_risk.params_data_categories),
        result_data_categories: dropUnknown(definition.data_risk.result_data_categories)
      }
    }]))
  }
}
