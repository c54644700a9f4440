/**
 * Risk profiles (docs/domain.md, "Risk profile"): `validateRules` accepts exactly the valid profiles —
 * weights integers 0–10, multipliers 0–1000 with at most two decimals, thresholds above 0 with at
 * most two decimals and medium < high < critical, only known category and action keys — checked
 * against an independent predicate on inputs biased to straddle every boundary.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc, Option, Schema } from "effect"
import { DataRisk, Ids, InvalidAction, RiskProfile } from "@agentledger/domain"
import { decimal, runs, validRulesInput } from "./arbitraries.js"
import { at, idOf } from "./fixtures.js"

// ---------------------------------------------------------------------------------------------
// The independent predicate
// ---------------------------------------------------------------------------------------------

/** At most two decimals, read off the shortest decimal form of the number. */
const atMostTwoDecimals = (x: number): boolean => {
  if (!Number.isFinite(x)) return false
  const match = /^-?\d+(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(x))
  if (match === null) return false
  const fraction = match[1] ?? ""
  const exponent = Number(match[2] ?? "0")
  return Math.max(0, fraction.length - exponent) <= 2
}

const isCategory = (key: string) => DataRisk.categories.some((c) => c === key)
const isAction = (key: string) => DataRisk.actions.some((a) => a === key)

/** The fields a profile breaks, by the rules of docs/domain.md; empty exactly when it is valid. */
const brokenFields = (input: RiskProfile.RiskRulesInput): Array<string> => {
  const broken: Array<string> = []
  for (const [key, { weight }] of Object.entries(input.category_weights)) {
    if (!isCategory(key)) broken.push(`category_weights.${key}`)
    else if (!(Number.isInteger(weight) && weight >= 0 && weight <= 10)) broken.push(`category_weights.${key}.weight`)
  }
  for (const [key, { multiplier }] of Object.entries(input.action_multipliers)) {
    if (!isAction(key)) broken.push(`action_multipliers.${key}`)
    else if (!(atMostTwoDecimals(multiplier) && multiplier >= 0 && multiplier <= 1000)) {
      broken.push(`action_multipliers.${key}.multiplier`)
    }
  }
  const { critical, high, medium } = input.thresholds
  for (const [name, value] of [["medium", medium], ["high", high], ["critical", critical]] as const) {
    // The code documents an upper bound (RiskProfile.maxThreshold) that keeps hundredths exact.
    if (!(atMostTwoDecimals(value) && value > 0 && value <= RiskProfile.maxThreshold)) broken.push(`thresholds.${name}`)
  }
  if (!(medium < high)) broken.push("thresholds.high")
  if (!(high < critical)) broken.push("thresholds.critical")
  return [...new Set(broken)].sort()
}

// ---------------------------------------------------------------------------------------------
// Inputs that straddle the boundaries
// ---------------------------------------------------------------------------------------------

const categoryKey = fc.oneof(
  { arbitrary: fc.constantFrom(...DataRisk.categories), weight: 8 },
  { arbitrary: fc.constantFrom("read_data", "Personal_identifiers", "personal_identifiers ", "constructor", "toString", "__proto__", ""), weight: 1 }
)
const actionKey = fc.oneof(
  { arbitrary: fc.constantFrom(...DataRisk.actions), weight: 8 },
  { arbitrary: fc.constantFrom("minors_data", "Read_data", "read", "valueOf", "__proto__", "hasOwnProperty"), weight: 1 }
)
const weight = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 10 }), weight: 6 },
  { arbitrary: fc.constantFrom(-1, 11, 0.5, 10.01, 9.999999, -0.001, Number.NaN, Infinity, -Infinity, 1e-9, 100, 10.0), weight: 3 },
  { arbitrary: fc.double({ min: -2, max: 12 }), weight: 1 }
)
const multiplier = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 100_000 }).map(decimal), weight: 6 },
  {
    arbitrary: fc.constantFrom(0, 1000, 1000.01, 1001, -0.01, 0.001, 0.005, 1.005, 999.99, 999.999, 0.1 + 0.2, 12.3, 1e-7, Number.NaN, Infinity),
    weight: 3
  },
  { arbitrary: fc.double({ min: -10, max: 2000 }), weight: 1 }
)
const thresholdBase = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 20_000 }).map(decimal), weight: 5 },
  {
    arbitrary: fc.constantFrom(0, -1, 0.001, 0.005, 0.01, 20, 50, 100, RiskProfile.maxThreshold, RiskProfile.maxThreshold + 0.01, 2e12, Number.NaN, Infinity),
    weight: 2
  },
  { arbitrary: fc.double({ min: -1, max: 200 }), weight: 1 }
)
/** The next threshold: often just above, equal to, or just below the previous one. */
const nextThreshold = (previous: number) =>
  fc.oneof(
    fc.constantFrom(0.01, 1, 0, -0.01, 0.005, 10).map((delta) => Number((previous + delta).toFixed(2))),
    thresholdBase
  )
const thresholds = thresholdBase.chain((medium) =>
  nextThreshold(medium).chain((high) => nextThreshold(high).map((critical) => ({ medium, high, critical })))
)

/** Anything near the boundaries, several fields at once. */
const wildInput: fc.Arbitrary<RiskProfile.RiskRulesInput> = fc.record({
  category_weights: fc.array(fc.tuple(categoryKey, fc.record({ weight, included: fc.boolean() })), { maxLength: 5 })
    .map((pairs) => Object.fromEntries(pairs)),
  action_multipliers: fc.array(fc.tuple(actionKey, fc.record({ multiplier, included: fc.boolean() })), { maxLength: 4 })
    .map((pairs) => Object.fromEntries(pairs)),
  thresholds
})

const edgeWeight = fc.constantFrom(-1, 0, 10, 11, 0.5, 10.01, 9.999999, -0.001, Number.NaN, Infinity, 1e-9, 5)
const edgeMultiplier = fc.constantFrom(0, 0.01, 1.1, 1000, 1000.01, 1001, -0.01, 0.001, 0.005, 1.005, 999.99, 999.999, 0.1 + 0.2, 1e-7, Number.NaN)
const thresholdNames = ["medium", "high", "critical"] as const

/** A valid profile with exactly one field moved onto, or just across, a boundary. */
const mutatedInput: fc.Arbitrary<RiskProfile.RiskRulesInput> = validRulesInput().chain((input) => {
  const { critical, high, medium } = input.thresholds
  const near = [medium, high, critical].flatMap((t) => [t, Number((t + 0.01).toFixed(2)), Number((t - 0.01).toFixed(2))])
  return fc.oneof(
    fc.tuple(categoryKey, edgeWeight, fc.boolean()).map(([key, w, included]) => ({
      ...input,
      category_weights: Object.fromEntries([...Object.entries(input.category_weights), [key, { weight: w, included }]])
    })),
    fc.tuple(actionKey, edgeMultiplier, fc.boolean()).map(([key, m, included]) => ({
      ...input,
      action_multipliers: Object.fromEntries([...Object.entries(input.action_multipliers), [key, { multiplier: m, included }]])
    })),
    fc.tuple(fc.constantFrom(...thresholdNames), fc.oneof(fc.constantFrom(...near), thresholdBase)).map(([name, value]) => ({
      ...input,
      thresholds: { ...input.thresholds, [name]: value }
    }))
  )
})

const biasedInput: fc.Arbitrary<RiskProfile.RiskRulesInput> = fc.oneof(
  { arbitrary: validRulesInput(), weight: 2 },
  { arbitrary: mutatedInput, weight: 5 },
  { arbitrary: wildInput, weight: 2 }
)

describe("RiskProfile.validateRules", () => {
  it.prop(
    "accepts exactly the valid profiles and names every broken field",
    [biasedInput],
    ([input]) => {
      const expected = brokenFields(input)
      const result = RiskProfile.validateRules(input)
      if (expected.length === 0) {
        expect(Either.isRight(result)).toBe(true)
      } else {
        expect(Either.isLeft(result)).toBe(true)
        if (Either.isLeft(result)) {
          expect(result.left._tag).toBe("InvalidInput")
          expect(Object.keys(result.left.errors).sort()).toEqual(expected)
        }
      }
    },
    { fastCheck: { numRuns: runs(1000) } }
  )

  it("the biased inputs really straddle the boundary: many valid and many invalid ones", () => {
    const sample = fc.sample(biasedInput, { numRuns: 1000, seed: 42 })
    const valid = sample.filter((i) => brokenFields(i).length === 0).length
    expect(valid).toBeGreaterThan(150)
    expect(valid).toBeLessThan(850)
  })

  it.prop(
    "a valid profile becomes exact hundredths with every category and action present",
    [validRulesInput(100_000)],
    ([input]) => {
      const rules = Either.getOrThrow(RiskProfile.validateRules(input))
      expect(Object.keys(rules.category_weights).sort()).toEqual([...DataRisk.categories].sort())
      expect(Object.keys(rules.action_multipliers).sort()).toEqual([...DataRisk.actions].sort())
      for (const c of DataRisk.categories) {
        const given = Object.entries(input.category_weights).find(([k]) => k === c)?.[1]
        // An omitted category is excluded with weight 0.
        expect(rules.category_weights[c]).toEqual(given ?? { weight: 0, included: false })
        expect(RiskProfile.weightOf(rules, c)).toEqual(given ?? { weight: 0, included: false })
      }
      for (const a of DataRisk.actions) {
        const given = Object.entries(input.action_multipliers).find(([k]) => k === a)?.[1]
        // An omitted action is included and neutral (1.00 = 100 hundredths).
        const expected = given === undefined ? { multiplier: 100, included: true } : { multiplier: Math.round(given.multiplier * 100), included: given.included }
        expect(rules.action_multipliers[a]).toEqual(expected)
        expect(RiskProfile.multiplierOf(rules, a)).toEqual(expected)
        expect(Number.isInteger(rules.action_multipliers[a]?.multiplier)).toBe(true)
      }
      expect(rules.thresholds).toEqual({
        medium: Math.round(input.thresholds.medium * 100),
        high: Math.round(input.thresholds.high * 100),
        critical: Math.round(input.thresholds.critical * 100)
      })
    },
    { fastCheck: { numRuns: runs(200) } }
  )

  it("boundary examples", () => {
    const ok = (input: Partial<RiskProfile.RiskRulesInput>) =>
      Either.isRight(RiskProfile.validateRules({ category_weights: {}, action_multipliers: {}, thresholds: { medium: 20, high: 50, critical: 100 }, ...input }))
    expect(ok({})).toBe(true)
    expect(ok({ category_weights: { minors_data: { weight: 10, included: true } } })).toBe(true)
    expect(ok({ category_weights: { minors_data: { weight: 0, included: true } } })).toBe(true)
    expect(ok({ category_weights: { minors_data: { weight: 11, included: true } } })).toBe(false)
    expect(ok({ category_weights: { minors_data: { weight: 2.5, included: true } } })).toBe(false)
    expect(ok({ category_weights: { minors_data: { weight: -1, included: false } } })).toBe(false)
    expect(ok({ category_weights: { read_data: { weight: 1, included: true } } })).toBe(false)
    expect(ok({ action_multipliers: { read_data: { multiplier: 0, included: true } } })).toBe(true)
    expect(ok({ action_multipliers: { read_data: { multiplier: 1000, included: true } } })).toBe(true)
    expect(ok({ action_multipliers: { read_data: { multiplier: 1000.01, included: true } } })).toBe(false)
    expect(ok({ action_multipliers: { read_data: { multiplier: 1.25, included: true } } })).toBe(true)
    expect(ok({ action_multipliers: { read_data: { multiplier: 1.255, included: true } } })).toBe(false)
    expect(ok({ action_multipliers: { read_data: { multiplier: -0.01, included: true } } })).toBe(false)
    expect(ok({ action_multipliers: { personal_identifiers: { multiplier: 1, included: true } } })).toBe(false)
    expect(ok({ thresholds: { medium: 0.01, high: 0.02, critical: 0.03 } })).toBe(true)
    expect(ok({ thresholds: { medium: 0, high: 50, critical: 100 } })).toBe(false)
    expect(ok({ thresholds: { medium: 20, high: 20, critical: 100 } })).toBe(false)
    expect(ok({ thresholds: { medium: 20, high: 50, critical: 50 } })).toBe(false)
    expect(ok({ thresholds: { medium: 50, high: 20, critical: 100 } })).toBe(false)
    expect(ok({ thresholds: { medium: 20.001, high: 50, critical: 100 } })).toBe(false)
  })

  it("a profile as a client sends it decodes with empty weights and multipliers by default", () => {
    const input = Schema.decodeUnknownSync(RiskProfile.RiskRulesInput)({ thresholds: { medium: 1, high: 2, critical: 3 } })
    expect(input).toEqual({ category_weights: {}, action_multipliers: {}, thresholds: { medium: 1, high: 2, critical: 3 } })
  })
})

describe("RiskProfile.validateProfileName", () => {
  it.prop(
    "names are 1–128 characters after trimming",
    [fc.string({ maxLength: 140, size: "max" }), fc.constantFrom("", " ", "\t\n ")],
    ([name, pad]) => {
      const trimmed = name.trim()
      const result = RiskProfile.validateProfileName(pad + name + pad)
      if (trimmed.length >= 1 && trimmed.length <= 128) expect(result).toEqual(Either.right(trimmed))
      else expect(Either.isLeft(result) && result.left._tag === "InvalidInput").toBe(true)
    },
    { fastCheck: { numRuns: runs(200) } }
  )
})

describe("risk profile records", () => {
  const account = idOf(Ids.AccountId, 0)
  const rules = Either.getOrThrow(RiskProfile.validateRules({ category_weights: {}, action_multipliers: {}, thresholds: { medium: 10, high: 20, critical: 30 } }))
  const stricter = Either.getOrThrow(RiskProfile.validateRules({ category_weights: {}, action_multipliers: {}, thresholds: { medium: 1, high: 2, critical: 3 } }))
  const created = RiskProfile.create(
    { id: idOf(Ids.RiskProfileId, 1), revision_id: idOf(Ids.RiskProfileRevisionId, 2), account_id: account, name: "default", rules },
    at(0)
  )

  it("a new profile starts at revision 1, which is current and holds its rules", () => {
    expect(created.profile).toMatchObject({ name: "default", description: null, revision: 1, current_revision_id: created.revision.id, deleted_at: null })
    expect(created.revision).toMatchObject({ risk_profile_id: created.profile.id, account_id: account, revision: 1, rules })
    expect([created.profile.inserted_at, created.revision.inserted_at]).toEqual([at(0), at(0)])
  })

  it("an edit makes the next revision current; omitted fields stay, a null description clears", () => {
    const described = new RiskProfile.RiskProfile({ ...created.profile, description: "kept" })
    const edited = Either.getOrThrow(RiskProfile.revise(described, { revision_id: idOf(Ids.RiskProfileRevisionId, 3), rules: stricter }, at(10)))
    expect(edited.revision).toMatchObject({ id: idOf(Ids.RiskProfileRevisionId, 3), risk_profile_id: described.id, revision: 2, rules: stricter })
    expect(edited.profile).toMatchObject({ name: "default", description: "kept", revision: 2, current_revision_id: edited.revision.id })
    expect([edited.profile.inserted_at, edited.profile.updated_at]).toEqual([at(0), at(10)])
    const renamed = Either.getOrThrow(
      RiskProfile.revise(edited.profile, { revision_id: idOf(Ids.RiskProfileRevisionId, 4), name: "strict", description: null, rules }, at(20))
    )
    expect(renamed.profile).toMatchObject({ name: "strict", description: null, revision: 3 })
  })

  it("a deleted profile is neither edited nor deleted again, and is not assignable", () => {
    const deleted = Either.getOrThrow(RiskProfile.remove(created.profile, at(30)))
    expect([deleted.deleted_at, deleted.updated_at, deleted.revision]).toEqual([at(30), at(30), 1])
    expect(Option.isNone(RiskProfile.activeRevision(deleted))).toBe(true)
    for (const action of ["edit", "delete"] as const) {
      const refused = RiskProfile.checkChangeable(deleted, action)
      expect(Either.isLeft(refused) && refused.left)
        .toEqual(new InvalidAction({ entity: "risk_profile", id: deleted.id, action, status: "deleted" }))
      expect(Either.isRight(RiskProfile.checkChangeable(created.profile, action))).toBe(true)
    }
    const edit = RiskProfile.revise(deleted, { revision_id: idOf(Ids.RiskProfileRevisionId, 5), rules }, at(40))
    expect(Either.isLeft(edit) && edit.left.action).toBe("edit")
    const again = RiskProfile.remove(deleted, at(40))
    expect(Either.isLeft(again) && again.left.action).toBe("delete")
    expect(Either.isRight(RiskProfile.checkAssignable(created.profile))).toBe(true)
    const assigned = RiskProfile.checkAssignable(deleted)
    expect(Either.isLeft(assigned) && assigned.left.errors).toEqual({ risk_profile_id: ["names a deleted risk profile"] })
  })
})
