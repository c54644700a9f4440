/**
 * Shared arbitraries for the domain property tests, built on effect's bundled fast-check and,
 * where a schema describes the value exactly, derived from it with `Arbitrary.make`.
 */
import { Arbitrary, FastCheck as fc } from "effect"
import { DataRisk, Json, RiskProfile, Status } from "@agentledger/domain"
import type { RunStep } from "./fixtures.js"

/** `numRuns` for a property: `npm run test:deep` (AGENTLEDGER_DEEP=1) runs twenty times more. */
export const runs = (n: number): number => (process.env["AGENTLEDGER_DEEP"] ? n * 20 : n)

// ---------------------------------------------------------------------------------------------
// JSON values
// ---------------------------------------------------------------------------------------------

/** Keys that collide often and look like schema and payload fields. */
export const keyPool = ["a", "b", "c", "name", "age", "tags", "kind", "type", "x-1", "x-y", "Z", "ü", "", " ", "10", "2"] as const

/** Object keys: mostly from the pool, sometimes arbitrary (never an `Object.prototype` name). */
export const jsonKey: fc.Arbitrary<string> = fc
  .oneof(fc.constantFrom(...keyPool), fc.string({ maxLength: 6 }), fc.string({ maxLength: 4, unit: "binary" }))
  .filter((key) => !(key in {}))

/** A finite number that is not -0 (JSON has no -0, so it would alias 0). */
export const jsonNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0))
)

export const jsonLeaf: fc.Arbitrary<Json.Json> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  jsonNumber,
  fc.string({ maxLength: 8 }),
  fc.string({ maxLength: 4, unit: "binary" })
)

const jsonTree = fc.letrec<{ value: Json.Json; array: ReadonlyArray<Json.Json>; object: Json.JsonObject }>((tie) => ({
  value: fc.oneof({ depthSize: "small", maxDepth: 4 }, jsonLeaf, tie("array"), tie("object")),
  array: fc.array(tie("value"), { maxLength: 4 }),
  object: fc.dictionary(jsonKey, tie("value"), { maxKeys: 5 })
}))

/** Any JSON value, a few levels deep. */
export const jsonValue: fc.Arbitrary<Json.Json> = jsonTree.value
/** Any JSON object. */
export const jsonObject: fc.Arbitrary<Json.JsonObject> = jsonTree.object

export const isJsonArray = (value: Json.Json): value is ReadonlyArray<Json.Json> => Array.isArray(value)

// ---------------------------------------------------------------------------------------------
// Seeded shuffling (key order, list order)
// ---------------------------------------------------------------------------------------------

/** The testkit's seeded generator (independent of the one in `Ids`) and its shuffles. */
export { seededRandom, shuffle, shuffleKeys } from "@agentledger/testkit/random"

/** Key order of every object, depth first: what a shuffle changes and canonical JSON ignores. */
export const keyOrder = (value: Json.Json): Array<string> => {
  if (isJsonArray(value)) return value.flatMap(keyOrder)
  if (Json.isJsonObject(value)) return Object.entries(value).flatMap(([k, v]) => [k, ...keyOrder(v)])
  return []
}

// ---------------------------------------------------------------------------------------------
// Leaves: enumerate and perturb
// ---------------------------------------------------------------------------------------------

export type Path = ReadonlyArray<string | number>

/** Paths to every leaf; an empty object or array counts as a leaf. */
export const leafPaths = (value: Json.Json, prefix: Path = []): Array<Path> => {
  if (isJsonArray(value)) {
    return value.length === 0 ? [prefix] : value.flatMap((item, i) => leafPaths(item, [...prefix, i]))
  }
  if (Json.isJsonObject(value)) {
    const entries = Object.entries(value)
    return entries.length === 0 ? [prefix] : entries.flatMap(([k, v]) => leafPaths(v, [...prefix, k]))
  }
  return [prefix]
}

/** A different leaf value of the same JSON kind where possible. */
export const perturbLeaf = (leaf: Json.Json): Json.Json => {
  if (leaf === null) return 0
  if (typeof leaf === "boolean") return !leaf
  if (typeof leaf === "number") return leaf === 0 ? 1 : -leaf
  if (typeof leaf === "string") return `${leaf}~`
  if (isJsonArray(leaf)) return [...leaf, 0]
  return { ...leaf, "perturbed~": 0 }
}

/** The value with the leaf at `path` replaced by `perturbLeaf` of it. */
export const perturbAt = (value: Json.Json, path: Path): Json.Json => {
  const [head, ...rest] = path
  if (head === undefined) return perturbLeaf(value)
  if (isJsonArray(value) && typeof head === "number") {
    return value.map((item, i) => (i === head ? perturbAt(item, rest) : item))
  }
  if (Json.isJsonObject(value) && typeof head === "string") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === head ? perturbAt(v, rest) : v]))
  }
  return value
}

// ---------------------------------------------------------------------------------------------
// Data risk and risk profiles
// ---------------------------------------------------------------------------------------------

/** A full data-risk declaration, derived from the schema. */
export const dataRisk: fc.Arbitrary<DataRisk.DataRisk> = Arbitrary.make(DataRisk.DataRisk)

/** A declaration biased towards `allowed` / `included` so that types actually score. */
export const scoringDataRisk: fc.Arbitrary<DataRisk.DataRisk> = fc
  .record({
    actions: fc.array(fc.constantFrom(...DataRisk.actions), { maxLength: 3 }),
    params: fc.array(fc.constantFrom(...DataRisk.categories), { maxLength: 4 }),
    result: fc.array(fc.constantFrom(...DataRisk.categories), { maxLength: 3 }),
    noise: dataRisk
  })
  .map(({ actions, noise, params, result }) => ({
    action_profile: {
      ...noise.action_profile,
      ...Object.fromEntries(actions.map((a) => [a, "allowed" as const]))
    },
    params_data_categories: {
      ...noise.params_data_categories,
      ...Object.fromEntries(params.map((c) => [c, "included" as const]))
    },
    result_data_categories: {
      ...noise.result_data_categories,
      ...Object.fromEntries(result.map((c) => [c, "included" as const]))
    }
  }))

/** Hundredths as the decimal a client sends (7 → 0.07). */
export const decimal = (hundredths: number): number => hundredths / 100

const subsetRecord = <K extends string, V>(keys: ReadonlyArray<K>, value: fc.Arbitrary<V>) =>
  fc.subarray([...keys]).chain((chosen) =>
    fc.tuple(...chosen.map((key) => value.map((v): readonly [K, V] => [key, v]))).map((pairs) => Object.fromEntries(pairs))
  )

/** Three increasing thresholds in hundredths, within `[1, max]`. */
export const thresholdHundredths = (max: number): fc.Arbitrary<readonly [number, number, number]> =>
  fc.uniqueArray(fc.integer({ min: 1, max }), { minLength: 3, maxLength: 3 }).map((values) => {
    const [a = 1, b = 2, c = 3] = [...values].sort((x, y) => x - y)
    return [a, b, c] as const
  })

/** A valid risk profile as a client sends it. */
export const validRulesInput = (maxThresholdHundredths = 20_000): fc.Arbitrary<RiskProfile.RiskRulesInput> =>
  fc.record({
    category_weights: subsetRecord(
      DataRisk.categories,
      fc.record({ weight: fc.integer({ min: 0, max: 10 }), included: fc.boolean() })
    ),
    action_multipliers: subsetRecord(
      DataRisk.actions,
      fc.record({ multiplier: fc.integer({ min: 0, max: 100_000 }).map(decimal), included: fc.boolean() })
    ),
    thresholds: thresholdHundredths(maxThresholdHundredths).map(([medium, high, critical]) => ({
      medium: decimal(medium),
      high: decimal(high),
      critical: decimal(critical)
    }))
  })

// ---------------------------------------------------------------------------------------------
// Statuses
// ---------------------------------------------------------------------------------------------

export const status: fc.Arbitrary<Status.Status> = fc.constantFrom(...Status.statuses)
export const finishStatus: fc.Arbitrary<Status.FinishStatus> = fc.constantFrom("complete", "failed", "cancelled")

// ---------------------------------------------------------------------------------------------
// Run steps (see fixtures.playRun)
// ---------------------------------------------------------------------------------------------

export const runStep = (options: { readonly instanceSteps: boolean }): fc.Arbitrary<RunStep> => {
  const record = fc.record({
    kind: fc.constant("record" as const),
    type: fc.nat({ max: 20 }),
    status,
    parent: fc.option(fc.nat({ max: 50 }), { nil: null }),
    withResult: fc.boolean()
  })
  const finish = fc.record({
    kind: fc.constant("finish" as const),
    span: fc.nat({ max: 50 }),
    status: finishStatus,
    withResult: fc.boolean()
  })
  const instance = fc.oneof(
    fc.constant({ kind: "terminate" as const }),
    fc.record({ kind: fc.constant("finishInstance" as const), status: finishStatus })
  )
  return options.instanceSteps
    ? fc.oneof({ arbitrary: record, weight: 6 }, { arbitrary: finish, weight: 4 }, { arbitrary: instance, weight: 1 })
    : fc.oneof({ arbitrary: record, weight: 3 }, { arbitrary: finish, weight: 2 })
}
