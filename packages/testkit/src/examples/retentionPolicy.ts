/**
 * The retention policy: every run kept until one is set; a policy is whole days, per account and
 * per environment, and replaces the one before; account tokens only.
 */
import { Ids, Retention } from "@agentledger/domain"
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { refused, tenant } from "../harness.js"
import { type ExampleTest, secretOf, unknownId } from "./helpers.js"

export const retentionPolicyExamples = (test: ExampleTest): void => {
  test("an account keeps every run until it sets a policy; a policy replaces the one before", Effect.gen(function*() {
    const t = yield* tenant()
    expect(yield* t.session.getRetentionPolicy()).toEqual(Retention.keepForever(t.account.id))
    const set = yield* t.session.updateRetentionPolicy({
      run_days: 30,
      environments: [{ environment_id: t.development.id, run_days: 1 }, { environment_id: t.production.id, run_days: null }]
    })
    expect(set).toMatchObject({
      account_id: t.account.id,
      run_days: 30,
      environments: [{ environment_id: t.development.id, run_days: 1 }, { environment_id: t.production.id, run_days: null }]
    })
    expect(set.updated_at).not.toBeNull()
    expect(yield* t.session.getRetentionPolicy()).toEqual(set)
    const replaced = yield* t.session.updateRetentionPolicy({ run_days: 90 })
    expect(replaced).toMatchObject({ run_days: 90, environments: [] })
    expect(yield* t.session.getRetentionPolicy()).toEqual(replaced)
    // Another account's policy is its own.
    expect((yield* (yield* tenant("Other")).session.getRetentionPolicy()).run_days).toBeNull()
  }))

  test("a policy names whole days and environments of the account, each once; a deployment token may not read or set it", Effect.gen(function*() {
    const t = yield* tenant()
    yield* refused(t.session.updateRetentionPolicy({ run_days: 0 }), "InvalidInput")
    yield* refused(t.session.updateRetentionPolicy({ run_days: Retention.maxRunDays + 1 }), "InvalidInput")
    yield* refused(t.session.updateRetentionPolicy({ environments: [{ environment_id: unknownId(Ids.EnvironmentId, t.account.id), run_days: 3 }] }), "InvalidInput")
    yield* refused(
      t.session.updateRetentionPolicy({ environments: [{ environment_id: t.staging.id, run_days: 3 }, { environment_id: t.staging.id, run_days: 4 }] }),
      "InvalidInput"
    )
    expect((yield* t.session.getRetentionPolicy()).updated_at).toBeNull()
    const agent = yield* t.session.createAgent({ name: "Bot" })
    const deployment = yield* t.session.createDeployment({ agent_id: agent.id, environment_id: t.staging.id })
    const token = yield* t.session.createToken({ token_scope: "agent_deployment", agent_deployment_id: deployment.deployment.id })
    const scoped = yield* t.ledger.authenticate(secretOf(token))
    yield* refused(scoped.getRetentionPolicy(), "NotPermitted")
    yield* refused(scoped.updateRetentionPolicy({ run_days: 1 }), "NotPermitted")
  }))
}
