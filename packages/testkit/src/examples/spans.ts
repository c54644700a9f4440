/**
 * Spans: the first span starts a pending run; finishing once; parents in the same run; batches all
 * or nothing; results only when terminal.
 */
import { Ids } from "@agentledger/domain"
import { expect } from "@effect/vitest"
import { DateTime, Effect } from "effect"
import { refused, runOf, tenant } from "../harness.js"
import { agentWithRun, countSpans, type ExampleTest, span, unknownId } from "./helpers.js"

export const spanExamples = (test: ExampleTest): void => {
  test("a span on a pending instance is accepted and starts it", Effect.gen(function*() {
    const t = yield* tenant()
    const { run } = yield* agentWithRun(t)
    expect(run.status).toBe("pending")
    const recorded = yield* t.session.recordSpan(span(run, "agent", { payload: { goal: "refund" } }))
    expect(recorded).toMatchObject({ agent_instance_id: run.id, account_id: t.account.id, status: "active", sequence: 1, parent_span_id: null })
    const instance = yield* t.session.getInstance(run.id)
    expect(instance.status).toBe("active")
    expect(instance.started_at).not.toBeNull()
    expect(instance.span_counts).toMatchObject({ total: 1, active: 1 })
    expect((yield* t.session.getSpan(recorded.id)).id).toBe(recorded.id)
  }))

  test("finishing a span twice answers InvalidAction", Effect.gen(function*() {
    const t = yield* tenant()
    const { run } = yield* agentWithRun(t)
    const open = yield* t.session.recordSpan(span(run, "crm:lookup", { payload: { customer_id: "c-1" } }))
    const finished = yield* t.session.finishSpan(open.id, { status: "complete", result_payload: { email: "a@b.c" } })
    expect(finished).toMatchObject({ status: "complete", result_payload: { email: "a@b.c" } })
    expect(finished.finished_at).not.toBeNull()
    yield* refused(t.session.finishSpan(open.id, { status: "complete" }), "InvalidAction")
    yield* refused(t.session.finishSpan(open.id, { status: "cancelled" }), "InvalidAction")
    const closed = yield* t.session.recordSpan(span(run, "agent", { status: "failed" }))
    yield* refused(t.session.finishSpan(closed.id, { status: "complete" }), "InvalidAction")
    yield* refused(t.session.finishSpan(unknownId(Ids.SpanId, t.account.id), { status: "complete" }), "NotFound")
    expect((yield* t.session.getInstance(run.id)).span_counts).toMatchObject({ total: 2, complete: 1, failed: 1, finished: 2 })
  }))

  test("spans on a terminal instance are refused; a parent must be a span of the same instance", Effect.gen(function*() {
    const t = yield* tenant()
    const { agent, run } = yield* agentWithRun(t)
    const sibling = yield* runOf(t.session, agent.id, t.production.id)
    const foreignParent = yield* t.session.recordSpan(span(sibling, "agent"))
    const root = yield* t.session.recordSpan(span(run, "agent"))
    yield* refused(t.session.recordSpan(span(run, "llm", { parent_span_id: foreignParent.id })), "InvalidInput")
    yield* refused(t.session.recordSpan(span(run, "llm", { parent_span_id: unknownId(Ids.SpanId, t.account.id) })), "NotFound")
    yield* refused(t.session.recordSpan({ agent_instance_id: null, schema_name: "llm", status: "active", payload: {} }), "InvalidInput")
    yield* refused(t.session.recordSpan(span(run, "")), "InvalidInput")
    const child = yield* t.session.recordSpan(span(run, "llm", { parent_span_id: root.id, status: "complete", payload: { prompt: "x" } }))
    expect(child.parent_span_id).toBe(root.id)
    yield* t.session.finishRun(run.id, { status: "complete" })
    yield* refused(t.session.recordSpan(span(run, "llm")), "InvalidAction")
    yield* refused(t.session.recordSpans([span(run, "llm")]), "InvalidAction")
    yield* t.session.finishRun(sibling.id, { status: "cancelled" })
    yield* refused(t.session.recordSpan(span(sibling, "llm")), "InvalidAction")
    expect(yield* countSpans(t.session, run)).toBe(2)
    expect(yield* countSpans(t.session, sibling)).toBe(1)
  }))

  test("recordSpans: a parent may come earlier in the batch; a batch is all or nothing", Effect.gen(function*() {
    const t = yield* tenant()
    const { run } = yield* agentWithRun(t)
    const partition = Ids.partitionOf(t.account.id)
    const rootId = Ids.SpanId.make(Ids.encode(Date.now(), partition, "rrrrrrrrrrrrrrrr"))
    const childId = Ids.SpanId.make(Ids.encode(Date.now(), partition, "cccccccccccccccc"))
    const recorded = yield* t.session.recordSpans([
      span(run, "agent", { id: rootId }),
      span(run, "llm", { id: childId, parent_span_id: rootId, status: "complete", payload: { prompt: "p" } }),
      span(run, "crm:lookup", { parent_span_id: childId, payload: { customer_id: "c" } })
    ])
    expect(recorded.map((s) => [s.id === rootId, s.parent_span_id, s.sequence])).toEqual([[true, null, 1], [false, rootId, 2], [false, childId, 3]])
    // The third span of this batch is refused, so none of it is stored.
    yield* refused(
      t.session.recordSpans([span(run, "agent"), span(run, "llm", { status: "complete", payload: { prompt: "p" } }), span(run, "llm", { status: "active", result_payload: { text: "x" } })]),
      "InvalidInput"
    )
    yield* refused(t.session.recordSpans([span(run, "agent", { id: rootId })]), "Conflict")
    // The first span was fine, the second's id is taken: the first must not stay behind.
    yield* refused(t.session.recordSpans([span(run, "agent"), span(run, "agent", { id: childId })]), "Conflict")
    const dup = Ids.SpanId.make(Ids.encode(Date.now(), partition, "dddddddddddddddd"))
    yield* refused(t.session.recordSpans([span(run, "agent", { id: dup }), span(run, "agent", { id: dup })]), "Conflict")
    expect(yield* countSpans(t.session, run)).toBe(3)
    expect((yield* t.session.getInstance(run.id)).span_counts.total).toBe(3)
  }))

  test("result_payload and finished_at only with a terminal status", Effect.gen(function*() {
    const t = yield* tenant()
    const { run } = yield* agentWithRun(t)
    yield* refused(t.session.recordSpan(span(run, "llm", { status: "active", result_payload: { text: "x" } })), "InvalidInput")
    yield* refused(t.session.recordSpan(span(run, "llm", { status: "pending", finished_at: DateTime.unsafeMake(Date.now()) })), "InvalidInput")
    const done = yield* t.session.recordSpan(span(run, "llm", {
      status: "complete",
      payload: { prompt: "p" },
      result_payload: { text: "x" },
      finished_at: DateTime.unsafeMake(Date.now())
    }))
    expect(done.result_payload).toEqual({ text: "x" })
    expect(yield* countSpans(t.session, run)).toBe(1)
  }))
}
