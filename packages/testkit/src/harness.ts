/**
 * Helpers for the example tests (they assert, so they need vitest): a tenant (a new account, its session and its default
 * environments), typed refusals, a run of the support bot, and a report that must hold no violation.
 */
import { type Account, type ActivitySchema, type Environment, type Ids, Ledger, type LedgerSession } from "@agentledger/domain"
import { expect } from "@effect/vitest"
import { Effect, Either } from "effect"
import { everything, runCommand, supportSchema } from "./fixtures.js"
import { describeError, formatReport, type LedgerService, type Report, type Tagged } from "./model.js"
import { canonical } from "./reference.js"

export interface Tenant {
  readonly ledger: LedgerService
  readonly session: LedgerSession
  readonly account: Account.Account
  readonly secret: string
  readonly development: Environment.Environment
  readonly staging: Environment.Environment
  readonly production: Environment.Environment
}

/** A new account with its session and its three default environments. */
export const tenant = (name = "Acme"): Effect.Effect<Tenant, unknown, Ledger> =>
  Effect.gen(function*() {
    const ledger = yield* Ledger
    const created = yield* ledger.createAccount({ name })
    const session = yield* ledger.authenticate(created.secret)
    const environments = (yield* session.listEnvironments(everything)).items
    const named = (wanted: string) => {
      const environment = environments.find((e) => e.name === wanted)
      if (environment === undefined) return expect.fail(`a new account has no ${wanted} environment`)
      return environment
    }
    return {
      ledger,
      session,
      account: created.account,
      secret: created.secret,
      development: named("development"),
      staging: named("staging"),
      production: named("production")
    }
  })

/** Asserts that a run broke no invariant; the failure lists every violation. */
export const expectNoViolations = (report: Report): void => {
  expect(report.violations, formatReport(report)).toEqual([])
}

/** Runs `effect`, which must fail with `tag`; gives the error. */
export const refused = <A, E extends Tagged, R>(effect: Effect.Effect<A, E, R>, tag: E["_tag"]): Effect.Effect<E, never, R> =>
  Effect.gen(function*() {
    const result = yield* Effect.either(effect)
    if (Either.isRight(result)) return expect.fail(`expected ${tag}, but the call succeeded: ${canonical(result.right).slice(0, 400)}`)
    expect(result.left._tag, describeError(result.left)).toBe(tag)
    return result.left
  })

/** A run of `agent` in `environment`: version `version` of the support bot, with the support schema. */
export const runOf = (
  session: LedgerSession,
  agent: Ids.AgentId,
  environment: Ids.EnvironmentId,
  version = "1.0.0",
  options: { readonly update_current_version?: boolean; readonly schema?: ActivitySchema.ActivitySchemaInput } = {}
): ReturnType<LedgerSession["registerRun"]> =>
  session.registerRun(runCommand(agent, environment, { version: { external_identifier: version, name: "Support bot" }, ...options }))

export { everything, runCommand, supportSchema }
