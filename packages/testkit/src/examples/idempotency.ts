/**
 * Idempotency: a retried call has one effect and answers the first answer; a key reused for
 * another request is a conflict.
 */
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { everything, refused, runCommand, tenant } from "../harness.js"
import { canonical } from "../reference.js"
import { countSpans, type ExampleTest, span } from "./helpers.js"

export const idempotencyExamples = (test: ExampleTest): void => {
  test("a retried call with the same key has one effect and answers the first answer", Effect.gen(function*() {
    const t = yield* tenant()
    const agent = yield* t.session.createAgent({ name: "Bot" }, { idempotencyKey: "agent" })
    const again = yield* t.session.createAgent({ name: "Bot" }, { idempotencyKey: "agent" })
    expect(canonical(again)).toBe(canonical(agent))
    expect((yield* t.session.listAgents(everything)).items).toHaveLength(1)
    const body = runCommand(agent.id, t.production.id, { version: {} })
    const run = yield* t.session.registerRun(body, { idempotencyKey: "run" })
    yield* t.session.startRun(run.id, {})
    const replayed = yield* t.session.registerRun(body, { idempotencyKey: "run" })
    expect(canonical(replayed)).toBe(canonical(run))
    expect(replayed.status).toBe("pending")
    expect((yield* t.session.listInstances(everything)).items).toHaveLength(1)
    const recorded = yield* t.session.recordSpan(span(run, "agent"), { idempotencyKey: "span" })
    expect((yield* t.session.recordSpan(span(run, "agent"), { idempotencyKey: "span" })).id).toBe(recorded.id)
    expect(yield* countSpans(t.session, run)).toBe(1)
    const finished = yield* t.session.finishSpan(recorded.id, { status: "complete" }, { idempotencyKey: "finish" })
    expect(canonical(yield* t.session.finishSpan(recorded.id, { status: "complete" }, { idempotencyKey: "finish" }))).toBe(canonical(finished))
  }))

  test("another request under a used key is a conflict; a failed call uses no key; keys belong to their account", Effect.gen(function*() {
    const t = yield* tenant()
    const other = yield* tenant("Other")
    yield* t.session.createEnvironment({ name: "qa", purpose: "testing" }, { idempotencyKey: "k" })
    yield* refused(t.session.createEnvironment({ name: "qa2", purpose: "testing" }, { idempotencyKey: "k" }), "Conflict")
    yield* refused(t.session.createAgent({ name: "Bot" }, { idempotencyKey: "k" }), "Conflict")
    expect((yield* t.session.listEnvironments(everything)).items).toHaveLength(4)
    expect((yield* t.session.listAgents(everything)).items).toHaveLength(0)
    yield* refused(t.session.createEnvironment({ name: "QA", purpose: "testing" }, { idempotencyKey: "failed" }), "Conflict")
    expect((yield* t.session.createEnvironment({ name: "preview", purpose: "testing" }, { idempotencyKey: "failed" })).name).toBe("preview")
    expect((yield* other.session.createEnvironment({ name: "qa2", purpose: "testing" }, { idempotencyKey: "k" })).name).toBe("qa2")
    yield* refused(t.session.createAgent({ name: "Bot" }, { idempotencyKey: "" }), "InvalidInput")
    yield* refused(t.session.createAgent({ name: "Bot" }, { idempotencyKey: "k".repeat(65) }), "InvalidInput")
  }))
}
