/**
 * Retention (docs/domain.md "Retention"): a policy's days are whole and bounded, an environment is
 * overridden once; a run is selected exactly when it finished more than its environment's days
 * before now — not at the cutoff, from the next millisecond — and a run never finished is kept,
 * however old. An environment's override wins over the account's days, null included.
 */
import { describe, expect, it } from "@effect/vitest"
import { DateTime, Duration, Either, FastCheck as fc } from "effect"
import { Ids, Retention } from "@agentledger/domain"
import { runs } from "./arbitraries.js"
import { at, idOf, makeInstance } from "./fixtures.js"

const account = idOf(Ids.AccountId, 0)
const production = idOf(Ids.EnvironmentId, 4)
const staging = idOf(Ids.EnvironmentId, 7)
const day = Duration.toMillis(Duration.days(1))

const policy = (input: Retention.RetentionPolicyInput) => Either.getOrThrow(Retention.update(account, input, at(0)))

describe("a retention policy", () => {
  it("takes whole numbers of days from 1 to a hundred years, or null", () => {
    for (const days of [1, 30, Retention.maxRunDays, null]) expect(Either.isRight(Retention.update(account, { run_days: days }, at(0)))).toBe(true)
    for (const days of [0, -1, 1.5, Retention.maxRunDays + 1]) {
      const refused = Retention.update(account, { run_days: days }, at(0))
      expect(Either.isLeft(refused) && refused.left.errors).toHaveProperty("run_days")
    }
  })

  it("overrides an environment once, with valid days", () => {
    const twice = Retention.update(account, { environments: [{ environment_id: staging, run_days: 1 }, { environment_id: staging, run_days: 2 }] }, at(0))
    expect(Either.isLeft(twice) && twice.left.errors).toHaveProperty(["environments.1.environment_id"])
    const bad = Retention.update(account, { environments: [{ environment_id: staging, run_days: 0 }] }, at(0))
    expect(Either.isLeft(bad) && bad.left.errors).toHaveProperty(["environments.0.run_days"])
    const many = Array.from({ length: Retention.maxOverrides + 1 }, (_, n) => ({ environment_id: idOf(Ids.EnvironmentId, 100 + n), run_days: 1 }))
    expect(Either.isLeft(Retention.update(account, { environments: many }, at(0)))).toBe(true)
  })

  it("an omitted field is none: the input replaces the whole policy", () => {
    expect(policy({})).toEqual({ account_id: account, run_days: null, environments: [], updated_at: at(0) })
    expect(Retention.deletesAny(policy({}))).toBe(false)
    expect(Retention.deletesAny(policy({ environments: [{ environment_id: staging, run_days: 3 }] }))).toBe(true)
    expect(Retention.deletesAny(Retention.keepForever(account))).toBe(false)
  })
})

describe("the runs a policy selects", () => {
  const finishedAt = (ms: number | null, environment = production) =>
    ({ ...makeInstance({ status: ms === null ? "active" : "complete" }), environment_id: environment, finished_at: ms === null ? null : DateTime.unsafeMake(ms) })

  it.prop(
    "a run is selected exactly once its finish is more than the days before now",
    [fc.integer({ min: 0, max: 4_000_000_000_000 }), fc.integer({ min: 1, max: Retention.maxRunDays })],
    ([finished, days]) => {
      const rules = policy({ run_days: days })
      const cutoffAt = (now: number) => Retention.cutoffsOf(rules, DateTime.unsafeMake(now))
      const run = finishedAt(finished)
      expect(Retention.selects(cutoffAt(finished + days * day))(run)).toBe(false)
      expect(Retention.selects(cutoffAt(finished + days * day + 1))(run)).toBe(true)
      expect(Retention.selects(cutoffAt(finished + days * day - 1))(run)).toBe(false)
    },
    { fastCheck: { numRuns: runs(200) } }
  )

  it.prop("a run never finished is kept, however old", [fc.integer({ min: 1, max: 30 })], ([days]) => {
    const cutoffs = Retention.cutoffsOf(policy({ run_days: days }), DateTime.unsafeMake(8_000_000_000_000))
    expect(Retention.selects(cutoffs)(finishedAt(null))).toBe(false)
  })

  it("an environment's override wins over the account's days, null keeping its runs", () => {
    const rules = policy({
      run_days: 30,
      environments: [{ environment_id: staging, run_days: 1 }, { environment_id: production, run_days: null }]
    })
    const now = 100 * day
    const cutoffs = Retention.cutoffsOf(rules, DateTime.unsafeMake(now))
    const twoDaysAgo = now - 2 * day
    expect(Retention.selects(cutoffs)(finishedAt(twoDaysAgo, staging))).toBe(true)
    expect(Retention.selects(cutoffs)(finishedAt(twoDaysAgo, idOf(Ids.EnvironmentId, 9)))).toBe(false)
    expect(Retention.selects(cutoffs)(finishedAt(now - 31 * day, idOf(Ids.EnvironmentId, 9)))).toBe(true)
    expect(Retention.selects(cutoffs)(finishedAt(0, production))).toBe(false)
    expect(Retention.cutoffIn(cutoffs, staging)).toBe(now - day)
  })

  it("records its cutoffs as instants", () => {
    const cutoffs = Retention.cutoffsOf(policy({ run_days: 2, environments: [{ environment_id: staging, run_days: null }] }), DateTime.unsafeMake(10 * day))
    expect(Retention.recordedCutoffs(cutoffs)).toEqual({
      default: DateTime.unsafeMake(8 * day),
      environments: [{ environment_id: staging, cutoff: null }]
    })
  })
})
