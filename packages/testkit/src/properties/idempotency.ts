/**
 * Invariant 8: a call repeated with the same key, in sequence or at once, has one effect and
 * answers the first answer.
 */
import { expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import { everything, runCommand, runOf, tenant } from "../harness.js"
import { canonical } from "../reference.js"
import type { PropertyContext } from "./context.js"

export const idempotencyProperties = <E>({ fresh, runs: n, timeout }: PropertyContext<E>): void => {
  const kinds = ["createAgent", "createEnvironment", "registerRun", "recordSpan", "recordSpans", "createDeployment", "createRiskProfile", "finishSpan", "createToken"] as const
  it.live.prop(
    "a call repeated with the same key — in sequence or at once — has one effect and answers the first answer",
    { kind: fc.constantFrom(...kinds), repeats: fc.integer({ min: 2, max: 5 }), together: fc.boolean() },
    ({ kind, repeats, together }) =>
      fresh(Effect.gen(function*() {
        const t = yield* tenant()
        const agent = yield* t.session.createAgent({ name: "Bot" })
        const run = yield* runOf(t.session, agent.id, t.staging.id, "1.0.0", { update_current_version: false })
        const open = yield* t.session.recordSpan({ agent_instance_id: run.id, schema_name: "agent", status: "active", payload: {} })
        const key = { idempotencyKey: `k-${kind}` }
        const repeat = <A, E2>(call: () => Effect.Effect<A, E2>) =>
          together
            ? Effect.all(Array.from({ length: repeats }, call), { concurrency: "unbounded" })
            : Effect.forEach(Array.from({ length: repeats }), () => call())
        const same = (answers: ReadonlyArray<unknown>) => {
          for (const answer of answers) expect(canonical(answer)).toBe(canonical(answers[0]))
        }
        switch (kind) {
          case "createAgent":
            same(yield* repeat(() => t.session.createAgent({ name: "Another" }, key)))
            break
          case "createEnvironment":
            same(yield* repeat(() => t.session.createEnvironment({ name: "qa", purpose: "testing" }, key)))
            break
          case "registerRun":
            same(yield* repeat(() => t.session.registerRun(runCommand(agent.id, t.development.id, { version: {}, schema: {} }), key)))
            break
          case "recordSpan":
            same(yield* repeat(() => t.session.recordSpan({ agent_instance_id: run.id, schema_name: "llm", status: "complete", payload: { prompt: "p" } }, key)))
            break
          case "recordSpans":
            same(yield* repeat(() =>
              t.session.recordSpans([
                { agent_instance_id: run.id, schema_name: "llm", status: "complete", payload: {} },
                { agent_instance_id: run.id, schema_name: "llm", status: "active", payload: {} }
              ], key)
            ))
            break
          case "createDeployment":
            same(yield* repeat(() => t.session.createDeployment({ agent_id: agent.id, environment_id: t.production.id }, key)))
            break
          case "createRiskProfile":
            same(yield* repeat(() => t.session.createRiskProfile({ name: "P", category_weights: {}, action_multipliers: {}, thresholds: { medium: 1, high: 2, critical: 3 } }, key)))
            break
          case "finishSpan":
            same(yield* repeat(() => t.session.finishSpan(open.id, { status: "complete" }, key)))
            break
          case "createToken": {
            const created = yield* repeat(() => t.session.createToken({ token_scope: "account" }, key))
            same(created.map((c) => c.token))
            expect(created.filter((c) => c.secret !== null), "the secret is shown to one caller only").toHaveLength(1)
            break
          }
        }
        const counts = {
          agents: (yield* t.session.listAgents(everything)).items.length,
          environments: (yield* t.session.listEnvironments(everything)).items.length,
          instances: (yield* t.session.listInstances(everything)).items.length,
          spans: (yield* t.session.getTimeline(run.id)).spans.length,
          deployments: (yield* t.session.listDeployments(everything)).items.length,
          profiles: (yield* t.session.listRiskProfiles(everything)).items.length,
          tokens: (yield* t.session.listTokens(everything)).items.length,
          history: (yield* t.session.getTimeline(run.id)).spans.filter((s) => s.span.status === "complete").length
        }
        const expected = {
          agents: kind === "createAgent" ? 2 : 1,
          environments: kind === "createEnvironment" ? 4 : 3,
          instances: kind === "registerRun" ? 2 : 1,
          spans: kind === "recordSpan" ? 2 : kind === "recordSpans" ? 3 : 1,
          deployments: kind === "createDeployment" || kind === "registerRun" ? 1 : 0,
          profiles: kind === "createRiskProfile" ? 1 : 0,
          tokens: kind === "createToken" ? 2 : 1,
          history: kind === "recordSpan" || kind === "recordSpans" || kind === "finishSpan" ? 1 : 0
        }
        expect(counts).toEqual(expected)
      })),
    { timeout, fastCheck: { numRuns: n(25) } }
  )
}
