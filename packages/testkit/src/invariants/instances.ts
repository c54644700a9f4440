/**
 * The sweep's checks of one run: its stamps, status and counts against the model, its risk
 * against the reference calculation and never lowered by a new span (invariants 4, 6, 7); its
 * timeline a tree of its own spans in timeline order, each as the model says (invariant 5); its
 * span list and its risk report.
 */
import type { LedgerSession } from "@agentledger/domain"
import { Effect, Option } from "effect"
import { isTerminal, type MAccount, type MInstance, read, type RunState } from "../model.js"
import { canonical, higherLevel, levelRank, referenceFlagged, referenceLevel, referenceTimeline } from "../reference.js"
import { compareIds, equal, stamps, sweepList, unchanged } from "./checks.js"

type InstanceRecord = Parameters<typeof stamps>[0] & {
  readonly status: string
  readonly span_counts: { readonly total: number } & Readonly<Record<string, number>>
  readonly conformance_counts: { readonly conforms: number; readonly flagged: number }
  readonly risk: { readonly total: number; readonly level: string; readonly peak_level: string } | null
}

export const checkInstance = (ctx: RunState, account: MAccount, model: MInstance, instance: InstanceRecord): void => {
  const stamped = stamps(instance)
  unchanged(ctx, "instances", `stamps of instance ${instance.id}`, stamped)
  // The model knows every stamp but the insertion time (and the id it is found by).
  const { id: _id, inserted_at: _insertedAt, ...modelled } = stamped
  equal(ctx, "instances", `stamps of instance ${instance.id} against the model`, modelled, {
    agent_id: model.agent,
    agent_version_id: model.version,
    agent_schema_version_id: model.schemaVersion,
    environment_id: model.environment,
    agent_deployment_id: model.deployment,
    risk_profile_revision_id: model.revision,
    purpose: model.purpose,
    account_id: account.id
  })
  equal(ctx, "instances", `status of instance ${instance.id}`, instance.status, model.status)
  const byStatus: Record<string, number> = { total: model.spans.length, pending: 0, active: 0, complete: 0, failed: 0, cancelled: 0, terminated: 0 }
  let finished = 0
  let flagged = 0
  for (const span of model.spans) {
    byStatus[span.status] = (byStatus[span.status] ?? 0) + 1
    if (isTerminal(span.status)) finished++
    if (referenceFlagged(span.conformance)) flagged++
  }
  equal(ctx, "spans", `span_counts of instance ${instance.id}`, instance.span_counts, { ...byStatus, finished })
  equal(ctx, "conformance", `conformance_counts of instance ${instance.id}`, instance.conformance_counts, {
    conforms: model.spans.length - flagged,
    flagged
  })
  if (model.thresholds === null) {
    if (instance.risk !== null) ctx.violate("risk", `instance ${instance.id} has no risk profile revision but carries risk ${canonical(instance.risk)}`)
    return
  }
  if (instance.risk === null) {
    ctx.violate("risk", `instance ${instance.id} is scored with revision ${model.revision} but carries no risk`)
    return
  }
  equal(ctx, "risk", `risk of instance ${instance.id} (reference calculation)`, instance.risk, {
    total: model.total,
    level: referenceLevel(model.total, model.thresholds),
    peak_level: model.peak
  })
  const last = account.lastRisk.get(instance.id)
  const level = instance.risk.peak_level
  if (last !== undefined) {
    if (!model.lowered && instance.risk.total < last.total) {
      ctx.violate("risk", `instance ${instance.id}: total fell from ${last.total} to ${instance.risk.total} though no span was cancelled`)
    }
    if (isLevel(level) && levelRank[level] < levelRank[last.peak]) {
      ctx.violate("risk", `instance ${instance.id}: peak level fell from ${last.peak} to ${level}`)
    }
  }
  if (isLevel(level)) account.lastRisk.set(instance.id, { total: instance.risk.total, peak: higherLevel(level, last?.peak ?? "low") })
  model.lowered = false
}

const isLevel = (text: string): text is "low" | "medium" | "high" | "critical" =>
  text === "low" || text === "medium" || text === "high" || text === "critical"

export const checkSpans = (ctx: RunState, account: MAccount, session: LedgerSession, model: MInstance): Effect.Effect<void> =>
  Effect.gen(function*() {
    const timeline = yield* read(ctx, "spans", `getTimeline(${model.id})`, session.getTimeline(model.id))
    if (Option.isSome(timeline)) {
      const spans = timeline.value.spans
      const ids = spans.map((entry) => entry.span.id)
      compareIds(ctx, "spans", `timeline of instance ${model.id}`, ids, model.spans.map((s) => s.id))
      const inRun = new Map(spans.map((entry) => [entry.span.id, entry.span]))
      for (const { span } of spans) {
        if (span.agent_instance_id !== model.id || span.account_id !== account.id || span.agent_id !== model.agent) {
          ctx.violate("spans", `timeline of ${model.id} holds span ${span.id} of instance ${span.agent_instance_id} (account ${span.account_id})`)
        }
        if (span.parent_span_id !== null && !inRun.has(span.parent_span_id)) {
          ctx.violate("spans", `span ${span.id} names parent ${span.parent_span_id}, which is not a span of its instance ${model.id}`)
        }
        // No cycles: following parents ends at a root.
        const seen = new Set<string>([span.id])
        for (let parent = span.parent_span_id; parent !== null;) {
          if (seen.has(parent)) {
            ctx.violate("spans", `span ${span.id} is its own ancestor`)
            break
          }
          seen.add(parent)
          parent = inRun.get(parent)?.parent_span_id ?? null
        }
        const expected = model.spans.find((s) => s.id === span.id)
        if (expected === undefined) continue
        equal(ctx, "spans", `span ${span.id}`, {
          parent_span_id: span.parent_span_id,
          status: span.status,
          schema_name: span.schema_name
        }, { parent_span_id: expected.parent, status: expected.status, schema_name: expected.type })
        equal(ctx, "conformance", `conformance of span ${span.id} (independent Ajv check)`, {
          payload: span.conformance.payload,
          result: span.conformance.result
        }, expected.conformance)
        equal(ctx, "risk", `risk points of span ${span.id}`, span.risk_points, expected.points)
      }
      const order = referenceTimeline(model.spans.map((s) => ({ id: s.id, parent: s.parent, startedAt: s.startedAt, order: s.order })))
      equal(ctx, "spans", `timeline order of instance ${model.id}`, spans.map((e) => ({ id: e.span.id, depth: e.depth })), order)
    }

    yield* sweepList(ctx, account, {
      invariant: "spans",
      label: `listSpans(${model.id})`,
      name: "listSpans",
      what: `listSpans of instance ${model.id}`,
      list: (r) => session.listSpans({ ...r, agent_instance_id: model.id }),
      expected: model.spans
    })

    const report = yield* read(ctx, "risk", `getRiskReport(${model.id})`, session.getRiskReport(model.id))
    if (Option.isNone(report)) return
    if (model.thresholds === null) {
      if (report.value !== null) ctx.violate("risk", `instance ${model.id} has no profile revision but getRiskReport answered ${canonical(report.value)}`)
      return
    }
    if (report.value === null) {
      ctx.violate("risk", `instance ${model.id} is scored but getRiskReport answered null`)
      return
    }
    const sum = report.value.breakdown.reduce((total, entry) => total + entry.points, 0)
    if (sum !== report.value.total) {
      ctx.violate("risk", `risk report of ${model.id}: breakdown points sum to ${sum}, total is ${report.value.total}`)
    }
    const counted = model.spans.filter((s) => s.status !== "cancelled")
    const byType = new Map<string, { span_count: number; points: number }>()
    for (const span of counted) {
      const entry = byType.get(span.type) ?? { span_count: 0, points: 0 }
      entry.span_count++
      entry.points += span.points
      byType.set(span.type, entry)
    }
    equal(ctx, "risk", `risk report of ${model.id} (reference calculation)`, {
      total: report.value.total,
      level: report.value.level,
      peak_level: report.value.peak_level,
      profile_revision_id: report.value.profile_revision_id,
      breakdown: Object.fromEntries(report.value.breakdown.map((e) => [e.schema_name, { span_count: e.span_count, points: e.points }]))
    }, {
      total: model.total,
      level: referenceLevel(model.total, model.thresholds),
      peak_level: model.peak,
      profile_revision_id: model.revision,
      breakdown: Object.fromEntries(byType)
    })
  })
