/**
 * Spans (invariants 5–7): each accepted span stored once, in its own run, under a parent of that
 * run; a batch is accepted or refused whole; open spans carry no result; a run its agent finished
 * takes no spans, a terminated one keeps them closed (an open one `terminated`) and answers a
 * finish of a span it closed as the span stands; every span's conformance and risk points as the
 * reference calculates them; a cancelled span leaves the risk total.
 */
import { type Commands, Ids, type Span } from "@agentledger/domain"
import { DateTime, Effect } from "effect"
import { equal } from "../invariants/checks.js"
import { at, isTerminal, type MAccount, type MInstance, type MSpan, type RunState, spansOf, type Tagged } from "../model.js"
import type { SpanSpec } from "../ops.js"
import { higherLevel, referenceConformance, referenceLevel } from "../reference.js"
import { payloads, results, spanTypeNames } from "../specs.js"
import { clientId, type Handler, type Handlers, type KeyOptions, nothing, type OpOf, otherAccount, perform } from "./plan.js"

/** A span of the request, as the model understands it. */
interface PlannedSpan {
  readonly spec: SpanSpec
  readonly id: Ids.SpanId | undefined
  readonly parent: Ids.SpanId | null
  readonly type: string
  readonly payload: (typeof payloads)[number]
  readonly result: (typeof results)[number] | null
}

/** The model's expectation of a request: its spans and the errors that apply to any of them. */
const planSpans = (ctx: RunState, account: MAccount, instance: MInstance, op: OpOf<"RecordSpans">) => {
  const errors = new Set<string>()
  const planned: Array<PlannedSpan> = []
  const allSpans = spansOf(account)
  let status = instance.status
  for (const spec of op.spans) {
    let id: Ids.SpanId | undefined
    let spanErrors = 0
    const fail = (tag: string) => {
      errors.add(tag)
      spanErrors++
    }
    let kind = spec.clientId
    if (spec.parent.kind === "self" && kind !== "own") kind = "own"
    switch (kind) {
      case "none":
        id = undefined
        break
      case "own":
        id = Ids.SpanId.make(clientId(ctx, account))
        break
      case "foreign":
        id = Ids.SpanId.make(clientId(ctx, otherAccount(ctx, account, spec.payload) ?? account))
        fail("InvalidInput")
        break
      case "duplicate": {
        const existing = at(allSpans, spec.payload)
        id = existing?.id ?? Ids.SpanId.make(clientId(ctx, account))
        if (existing !== undefined) fail("Conflict")
        break
      }
    }
    if (id !== undefined && planned.some((p) => p.id === id)) fail("Conflict")
    let parent: Ids.SpanId | null = null
    switch (spec.parent.kind) {
      case "none":
        break
      case "batch":
        parent = at(planned.flatMap((p) => (p.id === undefined ? [] : [p.id])), spec.parent.pick) ?? null
        break
      case "same":
        parent = at(instance.spans, spec.parent.pick)?.id ?? null
        break
      case "other": {
        const other = at(allSpans.filter((s) => s.instance !== instance.id), spec.parent.pick)
        parent = other?.id ?? null
        if (other !== undefined) fail("InvalidInput")
        break
      }
      case "self":
        parent = id ?? null
        fail("NotFound")
        break
    }
    const open = spec.status === "pending" || spec.status === "active"
    if (open && spec.result !== null) fail("InvalidInput")
    if (open && spec.finishedAt) fail("InvalidInput")
    if (isTerminal(status) && status !== "terminated") fail("InvalidAction")
    else if (spanErrors === 0 && status === "pending") status = "active"
    planned.push({
      spec,
      id,
      parent,
      type: spanTypeNames[spec.type] ?? "undeclared:type",
      payload: at(payloads, spec.payload) ?? {},
      result: spec.result === null ? null : at(results, spec.result) ?? null
    })
  }
  return { planned, errors }
}

/** The request for a planned span. */
const inputOf = (ctx: RunState, instance: MInstance, p: PlannedSpan): Commands.CreateSpan => ({
  agent_instance_id: instance.id,
  schema_name: p.type,
  status: p.spec.status,
  payload: p.payload,
  ...(p.result === null ? {} : { result_payload: p.result }),
  ...(p.parent === null ? {} : { parent_span_id: p.parent }),
  ...(p.spec.startedAt === null ? {} : { started_at: DateTime.unsafeMake(ctx.base + p.spec.startedAt * 1000) }),
  ...(p.spec.finishedAt ? { finished_at: DateTime.unsafeMake(ctx.base + 1000) } : {}),
  ...(p.id === undefined ? {} : { id: p.id })
})

const recordSpans: Handler<"RecordSpans"> = (ctx, account, op) => {
  const instance = at(account.instances, op.instance)
  if (instance === undefined) return nothing
  const { errors, planned } = planSpans(ctx, account, instance, op)
  const inputs = planned.map((p) => inputOf(ctx, instance, p))
  const first = inputs[0]
  if (!op.batch && first === undefined) return nothing
  const call = (options: KeyOptions): Effect.Effect<ReadonlyArray<Span.Span>, Tagged> =>
    op.batch || first === undefined
      ? account.session.recordSpans(inputs, options)
      : Effect.map(account.session.recordSpan(first, options), (span) => [span])
  return perform(ctx, account, op.keyed, {
    invariant: "spans",
    name: op.batch ? "recordSpans" : "recordSpan",
    label: op.batch ? `recordSpans (${inputs.length})` : "recordSpan",
    errors,
    call,
    update: (recorded) => recordAccepted(ctx, instance, planned, recorded)
  })
}

/** The model's update from the spans a request recorded, with the checks of each. */
const recordAccepted = (ctx: RunState, instance: MInstance, planned: ReadonlyArray<PlannedSpan>, recorded: ReadonlyArray<Span.Span>): void => {
  if (recorded.length !== planned.length) {
    ctx.violate("spans", `${planned.length} span(s) accepted, ${recorded.length} answered`)
    return
  }
  if (instance.status === "pending") instance.status = "active"
  // A terminated run keeps what its agent still reports, closed at once.
  const late = instance.status === "terminated"
  for (const [index, span] of recorded.entries()) {
    const plan = planned[index]
    if (plan === undefined) continue
    const points = instance.revision !== null && plan.spec.status !== "cancelled" ? instance.scores.get(plan.type) ?? 0 : 0
    const status = late && !isTerminal(plan.spec.status) ? "terminated" : plan.spec.status
    const model: MSpan = {
      id: span.id,
      instance: instance.id,
      parent: plan.parent,
      type: plan.type,
      status,
      payload: plan.payload,
      result: plan.result,
      startedAt: DateTime.toEpochMillis(span.started_at),
      order: instance.spans.length + 1,
      points,
      conformance: referenceConformance(instance.declared, plan.type, plan.payload, plan.result, plan.spec.status)
    }
    equal(ctx, "spans", "recorded span", {
      id: plan.id === undefined ? "(minted)" : span.id,
      agent_instance_id: span.agent_instance_id,
      parent_span_id: span.parent_span_id,
      status: span.status,
      schema_name: span.schema_name,
      started_at: plan.spec.startedAt === null ? "(now)" : DateTime.toEpochMillis(span.started_at)
    }, {
      id: plan.id ?? "(minted)",
      agent_instance_id: instance.id,
      parent_span_id: plan.parent,
      status,
      schema_name: plan.type,
      started_at: plan.spec.startedAt === null ? "(now)" : ctx.base + plan.spec.startedAt * 1000
    })
    equal(ctx, "conformance", `conformance of new span ${span.id} (independent Ajv check)`, {
      payload: span.conformance.payload,
      result: span.conformance.result
    }, model.conformance)
    equal(ctx, "risk", `risk points of new span ${span.id}`, span.risk_points, points)
    instance.spans.push(model)
    if (points !== 0 && instance.thresholds !== null) {
      instance.total += points
      instance.peak = higherLevel(instance.peak, referenceLevel(instance.total, instance.thresholds))
    }
  }
}

const finishSpan: Handler<"FinishSpan"> = (ctx, account, op) => {
  const span = at(spansOf(account), op.span)
  if (span === undefined) return nothing
  const instance = account.instances.find((i) => i.id === span.instance)
  if (instance === undefined) return nothing
  const result = op.result === null ? null : at(results, op.result) ?? null
  const input: Commands.FinishSpan = { status: op.status, ...(result === null ? {} : { result_payload: result }) }
  // A span its run's termination closed is answered as it stands.
  const closedByTermination = span.status === "terminated" && instance.status === "terminated"
  return perform(ctx, account, op.keyed, {
    invariant: "spans",
    name: "finishSpan",
    label: `finishSpan (${op.status})`,
    errors: isTerminal(span.status) && !closedByTermination ? ["InvalidAction"] : [],
    call: (options) => account.session.finishSpan(span.id, input, options),
    update: (finished) => {
      if (closedByTermination) {
        equal(ctx, "spans", "a span closed by its run's termination, finished", {
          status: finished.status,
          risk_points: finished.risk_points
        }, { status: "terminated", risk_points: span.points })
        return
      }
      span.status = op.status
      span.result = result ?? span.result
      span.conformance = {
        payload: span.conformance.payload,
        result: referenceConformance(instance.declared, span.type, span.payload, span.result, op.status).result
      }
      if (op.status === "cancelled" && span.points !== 0) {
        instance.total -= span.points
        span.points = 0
        instance.lowered = true
      }
      equal(ctx, "spans", "finished span", {
        status: finished.status,
        conformance: { payload: finished.conformance.payload, result: finished.conformance.result },
        risk_points: finished.risk_points
      }, { status: span.status, conformance: span.conformance, risk_points: span.points })
    }
  })
}

export const spanHandlers = {
  RecordSpans: recordSpans,
  FinishSpan: finishSpan
} satisfies Partial<Handlers>
