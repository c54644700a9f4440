/**
 * The database the query-plan tests plan against, populated through the real Ledger: three
 * accounts, each with tokens, four environments and two agents; per agent 40 runs, each of its
 * own version, deployed in every environment; the first two runs of each agent hold 300 spans
 * spread over a day. `Fixture` is what a plan is asked with: the ids of one account among three.
 */
import type { Commands, Ids } from "@agentledger/domain"
import { runOf, supportSchema, tenant } from "@agentledger/testkit"
import { DateTime, Effect, Schema } from "effect"

/** What the populated database offers as parameters (ids of one account among three). */
export const Fixture = Schema.Struct({
  account: Schema.String,
  agent: Schema.String,
  environment: Schema.String,
  instance: Schema.String,
  span: Schema.String,
  deployment: Schema.String,
  version: Schema.String,
  schema_version: Schema.String,
  secret_hash: Schema.String,
  version_fingerprint: Schema.String,
  schema_fingerprint: Schema.String,
  name_key: Schema.String
})
export type Fixture = typeof Fixture.Type

export const runsPerAgent = 40
/** Each agent gets this many versions (and as many schema versions). */
export const versionsPerAgent = 40
export const spannedRunsPerAgent = 2
export const spansPerRun = 300
const batch = 100
const day = Date.UTC(2025, 0, 15)
const hour = 3_600_000
/** One hour of the day the spans are spread over. */
export const windowStart = new Date(day + 6 * hour)
export const windowEnd = new Date(day + 7 * hour)

/**
 * Three accounts, each with tokens, four environments and two agents; per agent 40 runs, each of its own
 * version, deployed in every environment; the first two runs of each agent hold 300 spans
 * spread over a day. Tables hold enough rows per key that the planner prefers the index that
 * matches a query over one that only narrows it to the account.
 */
export const populate = Effect.gen(function*() {
  const accounts: Array<Ids.AccountId> = []
  for (const name of ["Alpha", "Beta", "Gamma"]) {
    const { account, development, production, session, staging } = yield* tenant(name)
    const testing = yield* session.createEnvironment({ name: "testing", purpose: "testing" })
    const environments = [development.id, staging.id, production.id, testing.id]
    for (let i = 0; i < 4; i++) yield* session.createToken({ token_scope: "account" })
    for (const agentName of ["Support", "Billing"]) {
      const agent = yield* session.createAgent({ name: agentName })
      for (let r = 0; r < runsPerAgent; r++) {
        const variant = r % versionsPerAgent
        const run = yield* runOf(session, agent.id, environments[r % environments.length] ?? production.id, `1.${variant}.0`, {
          schema: { ...supportSchema, external_identifier: `support-schema-${variant}` }
        })
        if (r >= spannedRunsPerAgent) continue
        let parent: Ids.SpanId | null = null
        for (let offset = 0; offset < spansPerRun; offset += batch) {
          const at = (i: number) => day + ((offset + i) * 24 * hour) / spansPerRun
          const spans: ReadonlyArray<{ readonly id: Ids.SpanId }> = yield* session.recordSpans(Array.from({ length: batch }, (_, i): Commands.CreateSpan => ({
            agent_instance_id: run.id,
            parent_span_id: parent,
            schema_name: i % 2 === 0 ? "llm" : "crm:lookup",
            status: "complete",
            payload: i % 2 === 0 ? { prompt: "p" } : { customer_id: `c${i}` },
            started_at: DateTime.unsafeMake(at(i)),
            finished_at: DateTime.unsafeMake(at(i) + 1000)
          })))
          parent = spans[0]?.id ?? null
        }
      }
    }
    accounts.push(account.id)
  }
  return accounts
})
