/**
 * Activity: the spans started in a window, counted by status in buckets that start at whole
 * multiples of their length — for the account, one agent, one run; the last day in 5-minute
 * buckets by default; every bucket present; a deployment token counts its own agent's spans.
 */
import { Activity, Ids } from "@agentledger/domain"
import { expect } from "@effect/vitest"
import { DateTime, Effect } from "effect"
import { everything, refused, runOf, tenant, type Tenant } from "../harness.js"
import { type ExampleTest, secretOf, span, unknownId } from "./helpers.js"

const minute = 60_000
const none = { pending: 0, active: 0, complete: 0, failed: 0, cancelled: 0, terminated: 0 }
const time = (millis: number) => DateTime.unsafeMake(millis)

/**
 * Two agents' runs with spans around `edge` (a 15-minute boundary an hour ago): the support
 * bot's run has one span just before it, one at it, one just before the next bucket and one at
 * it; the other agent's run one span a millisecond after `edge`.
 */
const spansAroundAnEdge = (t: Tenant) =>
  Effect.gen(function*() {
    // On a 15-minute boundary too, so that 15-minute buckets start at it.
    const edge = Math.floor(Date.now() / (15 * minute)) * 15 * minute - 60 * minute
    const bot = yield* t.session.createAgent({ name: "Support bot" })
    const other = yield* t.session.createAgent({ name: "Other" })
    const run = yield* runOf(t.session, bot.id, t.production.id)
    const otherRun = yield* runOf(t.session, other.id, t.production.id)
    yield* t.session.recordSpans([
      span(run, "llm", { started_at: time(edge - 1) }),
      span(run, "llm", { started_at: time(edge) }),
      span(run, "llm", { started_at: time(edge + 5 * minute - 1), status: "complete" }),
      span(run, "llm", { started_at: time(edge + 5 * minute), status: "failed" })
    ])
    yield* t.session.recordSpan(span(otherRun, "llm", { started_at: time(edge + 1) }))
    return { edge, bot, other, run, otherRun }
  })

export const activityExamples = (test: ExampleTest): void => {
  test("counts the spans of the account, an agent or a run by status in the bucket of their start", Effect.gen(function*() {
    const t = yield* tenant()
    const { bot, edge, otherRun, run } = yield* spansAroundAnEdge(t)
    const window = { since: time(edge), until: time(edge + 15 * minute) }
    const counts = (activity: Activity.Activity) => activity.buckets.map((bucket) => bucket.counts)

    const account = yield* t.session.getActivity(window)
    expect([account.since, account.until, account.bucket_minutes]).toEqual([time(edge), time(edge + 15 * minute), 5])
    expect(account.buckets.map((bucket) => DateTime.toEpochMillis(bucket.start))).toEqual([edge, edge + 5 * minute, edge + 10 * minute])
    expect(counts(account)).toEqual([{ ...none, active: 2, complete: 1 }, { ...none, failed: 1 }, none])
    expect(counts(yield* t.session.getActivity({ ...window, agent_id: bot.id }))).toEqual([{ ...none, active: 1, complete: 1 }, { ...none, failed: 1 }, none])
    expect(counts(yield* t.session.getActivity({ ...window, agent_instance_id: otherRun.id }))).toEqual([{ ...none, active: 1 }, none, none])
    // A run and an agent that is not its own: nothing.
    expect(Activity.total(yield* t.session.getActivity({ ...window, agent_instance_id: otherRun.id, agent_id: bot.id }))).toBe(0)

    // Terminating a run terminates its open spans: they are counted as terminated, where they started.
    yield* t.session.terminateRun(run.id, { reason: "stopped by a reviewer" })
    expect(counts(yield* t.session.getActivity({ ...window, agent_instance_id: run.id }))).toEqual([
      { ...none, terminated: 1, complete: 1 },
      { ...none, failed: 1 },
      none
    ])

    // Wider buckets, the same spans: one bucket of 15 minutes holds all but the one before the edge.
    const wide = yield* t.session.getActivity({ ...window, bucket_minutes: 15 })
    expect(counts(wide)).toEqual([{ ...none, active: 1, terminated: 1, complete: 1, failed: 1 }])
  }))

  test("looks back a day in 5-minute buckets by default, every bucket present", Effect.gen(function*() {
    const t = yield* tenant()
    const { run } = yield* spansAroundAnEdge(t)
    const before = Date.now()
    const day = yield* t.session.getActivity({})
    expect(day.bucket_minutes).toBe(5)
    expect(day.buckets).toHaveLength(288)
    const until = DateTime.toEpochMillis(day.until)
    expect(until % (5 * minute)).toBe(0)
    expect(until).toBeGreaterThan(before)
    expect(until).toBeLessThanOrEqual(Date.now() + 5 * minute)
    expect(DateTime.toEpochMillis(day.since)).toBe(until - 86_400_000)
    expect(Activity.total(day)).toBe(5)
    expect(Activity.total(yield* t.session.getActivity({ agent_instance_id: run.id }))).toBe(4)
  }))

  test("refuses buckets that are not whole minutes, an empty window, too many buckets and a run it cannot find", Effect.gen(function*() {
    const t = yield* tenant()
    const now = Date.now()
    const invalid = [
      { bucket_minutes: 0 },
      { bucket_minutes: Activity.maxBucketMinutes + 1 },
      { since: time(now), until: time(now - minute) },
      { since: time(now - 2100 * minute), until: time(now), bucket_minutes: 1 }
    ]
    for (const request of invalid) yield* refused(t.session.getActivity(request), "InvalidInput")
    yield* refused(t.session.getActivity({ agent_instance_id: unknownId(Ids.InstanceId, t.account.id) }), "NotFound")
  }))

  test("a deployment token counts its own agent's spans only", Effect.gen(function*() {
    const t = yield* tenant()
    const { bot, edge, other, otherRun, run } = yield* spansAroundAnEdge(t)
    const deployment = (yield* t.session.listDeployments({ ...everything, agent_id: bot.id })).items[0]
    if (deployment === undefined) return expect.fail("the support bot's run deployed it")
    const token = yield* t.session.createToken({ token_scope: "agent_deployment", agent_deployment_id: deployment.id })
    const scoped = yield* t.ledger.authenticate(secretOf(token))
    const window = { since: time(edge - 5 * minute), until: time(edge + 15 * minute) }
    expect(Activity.total(yield* scoped.getActivity(window))).toBe(4)
    expect(Activity.total(yield* scoped.getActivity({ ...window, agent_id: bot.id }))).toBe(4)
    expect(Activity.total(yield* scoped.getActivity({ ...window, agent_instance_id: run.id }))).toBe(4)
    expect(Activity.total(yield* scoped.getActivity({ ...window, agent_id: other.id }))).toBe(0)
    yield* refused(scoped.getActivity({ ...window, agent_instance_id: otherRun.id }), "NotFound")
    expect(Activity.total(yield* t.session.getActivity(window))).toBe(5)
  }))
}
