/**
 * What the example tests share: how a section registers a test, ids that name nothing, the
 * docs' profile with financial data agreed, span requests, and an agent with a first run.
 */
import { type Commands, Ids, type Instance, type Ledger, type LedgerSession } from "@agentledger/domain"
import { expect } from "@effect/vitest"
import { DateTime, Effect, Schema } from "effect"
import { docsProfile } from "../fixtures.js"
import { runOf, type Tenant } from "../harness.js"

/** A scenario: it runs on a fresh ledger and asserts as it goes. */
export type Body = Effect.Effect<void, unknown, Ledger>

/** Registers one example test (on a fresh ledger). */
export type ExampleTest = (name: string, body: Body) => void

/** An id of the given kind in the tenant's partition that names nothing. */
export const unknownId = <A>(kind: Ids.IdSchema<A>, account: Ids.AccountId): A =>
  Schema.decodeSync(kind)(Ids.encode(Date.now(), Ids.partitionOf(account), "0000000000000000"))

/** The secret of a new token (shown once, so never null on creation). */
export const secretOf = (created: { readonly secret: string | null }): string => {
  if (created.secret === null) return expect.fail("a new token must show its secret")
  return created.secret
}

/** The docs' profile plus a weight of 5 for financial data, so a payment scores 5 and a CRM lookup 12. */
export const docsRiskProfile: Commands.CreateRiskProfile = {
  ...docsProfile,
  category_weights: { ...docsProfile.category_weights, financial_information: { weight: 5, included: true } }
}

/** `seconds` after `base` (epoch milliseconds). */
export const at = (seconds: number, base: number) => DateTime.unsafeMake(base + seconds * 1000)

/** A span request on `instance`: active, an empty payload, unless `fields` say otherwise. */
export const span = (
  instance: Instance.Instance,
  schema_name: string,
  fields: Partial<Omit<Commands.CreateSpan, "agent_instance_id" | "schema_name">> = {}
): Commands.CreateSpan => ({ agent_instance_id: instance.id, schema_name, status: "active", payload: {}, ...fields })

/** The support bot (scored by `docsRiskProfile` when `profile`) with a first run in production. */
export const agentWithRun = (t: Tenant, options: { readonly profile?: boolean } = {}) =>
  Effect.gen(function*() {
    const profile = options.profile === true ? (yield* t.session.createRiskProfile(docsRiskProfile)).profile.id : null
    const agent = yield* t.session.createAgent({ name: "Support bot", risk_profile_id: profile })
    const run = yield* runOf(t.session, agent.id, t.production.id)
    return { agent, run }
  })

export const countSpans = (session: LedgerSession, instance: Instance.Instance) =>
  Effect.map(session.getTimeline(instance.id), (timeline) => timeline.spans.length)
