/**
 * The newer Prefactor SDKs' wire: a terminated run answers its agent's next span create and finish
 * with `control.terminate` (a keyed request replayed too), and no control while the run goes on;
 * quality payloads recorded on a run by name; the reporting SDK stamped at registration.
 */
import { Erasure, Quality } from "@agentledger/domain"
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { everything, refused, runCommand, tenant } from "../harness.js"
import { agentWithRun, type ExampleTest, secretOf, span } from "./helpers.js"

const stop = { terminate: true, reason: "refund loop" }

export const wireExamples = (test: ExampleTest): void => {
  test("a run terminated mid-stream answers its agent's next span create and finish with control.terminate", Effect.gen(function*() {
    const t = yield* tenant()
    const { run } = yield* agentWithRun(t)
    const root = yield* t.session.recordSpanWithControl(span(run, "agent"))
    expect(root.control).toBeNull()
    const child = yield* t.session.recordSpanWithControl(span(run, "llm", { parent_span_id: root.span.id, payload: { prompt: "refund?" } }))
    const done = yield* t.session.finishSpanWithControl(child.span.id, { status: "complete", result_payload: { text: "ok" } })
    expect([done.span.status, done.control]).toEqual(["complete", null])
    // Keyed before the termination: its replay afterwards reads the run as it is now.
    const keyed = span(run, "llm", { parent_span_id: root.span.id, payload: { prompt: "again" } })
    expect((yield* t.session.recordSpanWithControl(keyed, { idempotencyKey: "newer-sdk-1" })).control).toBeNull()

    yield* t.session.terminateRun(run.id, { reason: " refund loop " })

    const next = yield* t.session.recordSpanWithControl(span(run, "llm", { parent_span_id: root.span.id, payload: { prompt: "one more" } }))
    expect(next.control).toEqual(stop)
    expect([next.span.status, next.span.finished_at === null]).toEqual(["terminated", false])
    // The root, closed by the termination, is answered as it stands when its agent finishes it.
    const finished = yield* t.session.finishSpanWithControl(root.span.id, { status: "complete", result_payload: { text: "done" } })
    expect(finished.control).toEqual(stop)
    expect([finished.span.status, finished.span.result_payload]).toEqual(["terminated", null])
    const replayed = yield* t.session.recordSpanWithControl(keyed, { idempotencyKey: "newer-sdk-1" })
    expect(replayed.control).toEqual(stop)
    const keyedLate = yield* t.session.recordSpanWithControl(span(run, "llm", { status: "complete", result_payload: { text: "late" } }), { idempotencyKey: "newer-sdk-2" })
    expect([keyedLate.span.status, keyedLate.control]).toEqual(["complete", stop])
    // The calls without control answer the same spans.
    expect((yield* t.session.finishSpan(root.span.id, { status: "failed" })).status).toBe("terminated")
    // The ledger kept everything the agent reported, and the run stays terminated.
    const timeline = yield* t.session.getTimeline(run.id)
    expect(timeline.instance).toMatchObject({ status: "terminated", termination_reason: "refund loop" })
    expect(timeline.spans.map((s) => s.span.status)).toEqual(["terminated", "complete", "terminated", "terminated", "complete"])
    expect(timeline.instance.span_counts).toMatchObject({ total: 5, terminated: 3, complete: 2, active: 0, finished: 5 })
  }))

  test("a run its agent finished still refuses spans, without control; a span finished twice is refused", Effect.gen(function*() {
    const t = yield* tenant()
    const { run } = yield* agentWithRun(t)
    const root = yield* t.session.recordSpanWithControl(span(run, "agent"))
    expect((yield* t.session.finishSpanWithControl(root.span.id, { status: "complete" })).control).toBeNull()
    yield* refused(t.session.finishSpanWithControl(root.span.id, { status: "complete" }), "InvalidAction")
    yield* t.session.finishRun(run.id, { status: "complete" })
    yield* refused(t.session.recordSpanWithControl(span(run, "agent")), "InvalidAction")
  }))

  test("quality payloads: the latest per name, a null payload removes it, any token that reaches the run, within bounds", Effect.gen(function*() {
    const t = yield* tenant()
    const { agent, run } = yield* agentWithRun(t)
    expect(run.quality_payloads).toEqual({})
    yield* t.session.recordQuality(run.id, { name: "accuracy", payload: { score: 0.6 } })
    yield* t.session.recordQuality(run.id, { name: "tone", payload: { score: 0.9, label: "calm" } })
    const replaced = yield* t.session.recordQuality(run.id, { name: "accuracy", payload: { score: 0.8 } })
    expect(replaced.quality_payloads).toEqual({ accuracy: { score: 0.8 }, tone: { score: 0.9, label: "calm" } })
    const removed = yield* t.session.recordQuality(run.id, { name: "tone", payload: null })
    expect(removed.quality_payloads).toEqual({ accuracy: { score: 0.8 } })
    expect((yield* t.session.getInstance(run.id)).quality_payloads).toEqual({ accuracy: { score: 0.8 } })
    expect((yield* t.session.listInstances(everything)).items.find((i) => i.id === run.id)?.quality_payloads).toEqual({ accuracy: { score: 0.8 } })
    // Once per idempotency key; the same key for another request is a conflict.
    const first = yield* t.session.recordQuality(run.id, { name: "helpful", payload: { yes: true } }, { idempotencyKey: "quality-1" })
    expect(yield* t.session.recordQuality(run.id, { name: "helpful", payload: { yes: true } }, { idempotencyKey: "quality-1" })).toEqual(first)
    yield* refused(t.session.recordQuality(run.id, { name: "helpful", payload: { yes: false } }, { idempotencyKey: "quality-1" }), "Conflict")
    // Bounds: bad input, and nothing changes.
    yield* refused(t.session.recordQuality(run.id, { name: " ", payload: {} }), "InvalidInput")
    yield* refused(t.session.recordQuality(run.id, { name: "notes", payload: { text: "x".repeat(Quality.maxChars) } }), "InvalidInput")
    expect(Object.keys((yield* t.session.getInstance(run.id)).quality_payloads).sort()).toEqual(["accuracy", "helpful"])
    // Recorded after the run ended too: a run is often judged then.
    yield* t.session.startRun(run.id, {})
    yield* t.session.finishRun(run.id, { status: "complete" })
    yield* t.session.recordQuality(run.id, { name: "judged", payload: { score: 1 } })
    // A deployment token records on its own agent's runs; another agent's run does not exist for it.
    const { deployment } = yield* t.session.createDeployment({ agent_id: agent.id, environment_id: t.staging.id })
    const scoped = yield* t.ledger.authenticate(secretOf(yield* t.session.createToken({ token_scope: "agent_deployment", agent_deployment_id: deployment.id })))
    expect((yield* scoped.recordQuality(run.id, { name: "by-agent", payload: { ok: true } })).quality_payloads).toHaveProperty("by-agent")
    const other = yield* t.session.createAgent({ name: "Other" })
    const foreign = yield* t.session.registerRun(runCommand(other.id, t.production.id))
    yield* refused(scoped.recordQuality(foreign.id, { name: "x", payload: {} }), "NotFound")
    // A redaction erases what the names held, and the run takes no more.
    const redacted = yield* t.session.redactRun(run.id)
    expect(Object.values(redacted.quality_payloads)).toEqual(Object.keys(redacted.quality_payloads).map(() => Erasure.redactedPayload))
    yield* refused(t.session.recordQuality(run.id, { name: "accuracy", payload: { score: 1 } }), "InvalidAction")
  }))

  test("quality payloads are masked by the account's field names", Effect.gen(function*() {
    const t = yield* tenant()
    const { run } = yield* agentWithRun(t)
    yield* t.session.updateMaskingPolicy({ categories: [], keys: ["customer_email"] })
    const judged = yield* t.session.recordQuality(run.id, { name: "review", payload: { score: 2, customer_email: "ana@example.com" } }, { idempotencyKey: "masked-1" })
    expect(judged.quality_payloads).toEqual({ review: { score: 2, customer_email: "[masked:key]" } })
  }))

  test("a run records who reported it: the protocol and the SDK as the adapter names them", Effect.gen(function*() {
    const t = yield* tenant()
    const agent = yield* t.session.createAgent({ name: "Bot" })
    const body = runCommand(agent.id, t.production.id)
    const reported = yield* t.session.registerRun(body, { reportedBy: { protocol: "prefactor", sdk: "@prefactor/langchain@0.3.0 @prefactor/core@0.4.3" } })
    expect(reported.reported_by).toEqual({ protocol: "prefactor", sdk: "@prefactor/langchain@0.3.0 @prefactor/core@0.4.3" })
    expect((yield* t.session.getInstance(reported.id)).reported_by).toEqual(reported.reported_by)
    // Kept as printable words, bounded.
    const noisy = yield* t.session.registerRun(body, { reportedBy: { protocol: "prefactor", sdk: `prefactor-http@0.5.1\tcustom/1.0 ${"x".repeat(300)}` } })
    expect(noisy.reported_by).toEqual({ protocol: "prefactor", sdk: "prefactor-http@0.5.1 custom/1.0" })
    // A run registered without a claim: none recorded by the ledger itself; the Prefactor API names its protocol.
    const plain = yield* t.session.registerRun(body)
    expect(plain.reported_by === null || (plain.reported_by.protocol === "prefactor" && plain.reported_by.sdk === null)).toBe(true)
    const byProtocol = (protocol: "prefactor" | "otlp") =>
      Effect.map(t.session.listInstances({ ...everything, protocol }), (page) => page.items.map((i) => i.id).sort())
    expect(yield* byProtocol("prefactor")).toEqual([reported.id, noisy.id, ...(plain.reported_by === null ? [] : [plain.id])].sort())
    expect(yield* byProtocol("otlp")).toEqual([])
  }))
}
