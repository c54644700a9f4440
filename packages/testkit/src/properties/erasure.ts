/**
 * Erasure over random runs: after random deletions and redactions — of single runs, and of an
 * agent's runs at once — no read route returns what was erased (a deleted run's ids, an erased
 * run's payloads and results), no idempotency replay does either, and every run left reads as
 * it did: its span counts, conformance counts, risk and risk report; the overview counts one
 * run less per deletion and the activity the deleted runs' spans less.
 */
import type { Commands, Ids, Instance, LedgerSession, Span } from "@agentledger/domain"
import { expect, it } from "@effect/vitest"
import { Effect, Either, FastCheck as fc } from "effect"
import { shown } from "../erasure/shown.js"
import { docsRiskProfile } from "../examples/helpers.js"
import { runCommand, tenant } from "../harness.js"
import type { PropertyContext } from "./context.js"

const runPlan = fc.record({
  agent: fc.nat({ max: 1 }),
  lookups: fc.integer({ min: 0, max: 3 }),
  prompts: fc.integer({ min: 0, max: 2 }),
  /** How many lookups finish, with a result. */
  results: fc.integer({ min: 0, max: 3 }),
  /** Spans recorded under an idempotency key, which a replay must not bring back once erased. */
  keyed: fc.boolean(),
  end: fc.constantFrom("open" as const, "complete" as const, "failed" as const, "cancelled" as const, "terminated" as const)
})
type RunPlan = typeof runPlan extends fc.Arbitrary<infer A> ? A : never

const erasureStep = fc.oneof(
  fc.record({ kind: fc.constantFrom("delete" as const, "redact" as const), run: fc.nat() }),
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("range" as const), agent: fc.nat({ max: 1 }), mode: fc.constantFrom("delete" as const, "redact" as const) }) }
)
type ErasureStep = typeof erasureStep extends fc.Arbitrary<infer A> ? A : never

/** What only one run's payloads and results hold: erased, it must appear nowhere. */
const secretOf = (index: number) => `zq7-secret-of-run-${index}`

interface Made {
  readonly run: Instance.Instance
  readonly inputs: ReadonlyArray<Commands.CreateSpan>
  readonly spans: ReadonlyArray<Span.Span>
  readonly plan: RunPlan
}

const makeRun = (session: LedgerSession, agent: Ids.AgentId, environment: Ids.EnvironmentId, plan: RunPlan, index: number) =>
  Effect.gen(function*() {
    const secret = secretOf(index)
    const registered = yield* session.registerRun(runCommand(agent, environment))
    yield* session.startRun(registered.id, {})
    const inputs: ReadonlyArray<Commands.CreateSpan> = [
      ...Array.from({ length: plan.lookups }, () => ({ agent_instance_id: registered.id, schema_name: "crm:lookup", status: "active" as const, payload: { customer_id: secret } })),
      ...Array.from({ length: plan.prompts }, (_, n) => ({
        agent_instance_id: registered.id,
        schema_name: "llm",
        status: "complete" as const,
        // Every other prompt does not conform: conformance too must survive a redaction.
        payload: n % 2 === 0 ? { prompt: secret } : { [secret]: true }
      }))
    ]
    const spans = inputs.length === 0 ? [] : yield* session.recordSpans(inputs, plan.keyed ? { idempotencyKey: `spans-${index}` } : undefined)
    for (const lookup of spans.filter((s) => s.schema_name === "crm:lookup").slice(0, plan.results)) {
      yield* session.finishSpan(lookup.id, { status: "complete", result_payload: { email: `${secret}@example.com` } })
    }
    if (plan.end === "terminated") yield* session.terminateRun(registered.id, { reason: "stopped by a reviewer" })
    else if (plan.end !== "open") yield* session.finishRun(registered.id, { status: plan.end })
    return { run: yield* session.getInstance(registered.id), inputs, spans, plan }
  })

const isFinished = (run: Instance.Instance) => run.status !== "pending" && run.status !== "active"

export const erasureProperties = <E>({ fresh, runs: n, timeout }: PropertyContext<E>): void => {
  it.live.prop(
    "after random erasures no route returns the erased data, and the remaining runs' counts and risk are unchanged",
    { plans: fc.array(runPlan, { minLength: 1, maxLength: 6 }), steps: fc.array(erasureStep, { minLength: 1, maxLength: 4 }) },
    ({ plans, steps }) =>
      fresh(Effect.gen(function*() {
        const t = yield* tenant()
        const profile = yield* t.session.createRiskProfile(docsRiskProfile)
        const agents = [
          (yield* t.session.createAgent({ name: "Scored", risk_profile_id: profile.profile.id })).id,
          (yield* t.session.createAgent({ name: "Unscored" })).id
        ] as const
        const made: Array<Made> = []
        for (const [index, plan] of plans.entries()) made.push(yield* makeRun(t.session, agents[plan.agent] ?? agents[0], t.production.id, plan, index))
        const before = yield* shown(t.session, agents)
        const deleted = new Set<number>()
        const redacted = new Set<number>()
        const label = JSON.stringify({ plans, steps })
        const apply = (step: ErasureStep) =>
          Effect.gen(function*() {
            if (step.kind === "range") {
              const erased = yield* t.session.eraseRuns(agents[step.agent] ?? agents[0], { mode: step.mode })
              const reached = made.flatMap((m, index) =>
                m.run.agent_id !== agents[step.agent] || deleted.has(index) || (step.mode === "redact" && (!isFinished(m.run) || redacted.has(index))) ? [] : [index]
              )
              expect(erased.runs, label).toBe(reached.length)
              for (const index of reached) (step.mode === "delete" ? deleted : redacted).add(index)
              return
            }
            const index = step.run % made.length
            const target = made[index]
            if (target === undefined) return
            const outcome = yield* Effect.either(step.kind === "delete" ? t.session.deleteRun(target.run.id) : t.session.redactRun(target.run.id))
            if (deleted.has(index)) expect(Either.isLeft(outcome) && outcome.left._tag, label).toBe("NotFound")
            else if (step.kind === "redact" && !isFinished(target.run)) expect(Either.isLeft(outcome) && outcome.left._tag, label).toBe("InvalidAction")
            else {
              expect(Either.isRight(outcome), label).toBe(true)
              ;(step.kind === "delete" ? deleted : redacted).add(index)
            }
          })
        for (const step of steps) yield* apply(step)

        const after = yield* shown(t.session, agents)
        for (const [index, { run, spans }] of made.entries()) {
          if (deleted.has(index) || redacted.has(index)) {
            expect(after.text.includes(secretOf(index)), label).toBe(false)
            expect(after.audit.includes(secretOf(index)), label).toBe(false)
          }
          if (deleted.has(index)) {
            for (const id of [run.id, ...spans.map((s) => s.id)]) expect(after.text.includes(id), label).toBe(false)
          } else {
            expect(after.runs.get(run.id)?.figures, label).toBe(before.runs.get(run.id)?.figures)
          }
        }
        const gone = made.filter((_, index) => deleted.has(index))
        expect(after.overviewRuns, label).toBe(before.overviewRuns - gone.length)
        expect(after.activitySpans, label).toBe(before.activitySpans - gone.reduce((sum, m) => sum + m.run.span_counts.total, 0))

        // The same request under the same key replays no erased run's spans: it runs again.
        for (const [index, { inputs, plan, spans }] of made.entries()) {
          if (!plan.keyed || spans.length === 0 || !(deleted.has(index) || redacted.has(index))) continue
          const replay = yield* Effect.either(t.session.recordSpans(inputs, { idempotencyKey: `spans-${index}` }))
          expect(Either.isLeft(replay) && replay.left._tag, label).toBe(deleted.has(index) ? "NotFound" : "InvalidAction")
        }
      })),
    { timeout, fastCheck: { numRuns: n(20) } }
  )
}
