/**
 * The model-based runner: plays a workload against a fresh `Ledger` and, beside it, against the
 * reference model. Each operation's outcome (success, or which error) is compared with the
 * model's expectation and its answer with the model's prediction; after every operation the
 * invariant sweep compares everything every account can read. The run stops at the first step
 * that breaks something and reports what broke.
 *
 * `runWorkload` is a plain function so that any test — including one that proves a faulty
 * adapter is caught — can run it and look at the report.
 */
import { Ledger } from "@agentledger/domain"
import { Effect, type Layer } from "effect"
import { letTheEventLoopIn } from "../eventLoop.js"
import { sweep } from "../invariants/index.js"
import { type Report, RunState } from "../model.js"
import type { Op, Workload } from "../ops.js"
import { runOp } from "./dispatch.js"
import { setUp } from "./setUp.js"

export interface WorkloadOptions {
  /** `every-step` (default): the invariant sweep runs after every operation; `end`: once, at the end. */
  readonly sweep?: "every-step" | "end"
  /** Seed of the client-chosen ids. */
  readonly seed?: number
}

/**
 * Plays `workload` on a fresh ledger from `makeLayer` and checks it against the reference model.
 * Never fails because the adapter misbehaves: every disagreement is in the report.
 */
export const runWorkload = <E>(
  makeLayer: () => Layer.Layer<Ledger, E>,
  workload: Workload,
  options: WorkloadOptions = {}
): Effect.Effect<Report, E> =>
  Effect.gen(function*() {
    const ledger = yield* Ledger
    const ctx = new RunState(ledger, options.seed ?? 1)
    yield* setUp(ctx, workload)
    if (ctx.violations.length === 0) yield* sweep(ctx)
    let executed = 0
    const last = workload.steps.length - 1
    for (const [index, op] of workload.steps.entries()) {
      if (ctx.violations.length > 0) break
      ctx.step = index + 1
      ctx.operation = describeOp(op)
      yield* letTheEventLoopIn
      if (yield* runOp(ctx, workload, op)) executed++
      if (ctx.violations.length === 0 && (options.sweep !== "end" || index === last)) yield* sweep(ctx)
    }
    return { steps: workload.steps.length, executed, outcomes: ctx.outcomes, violations: ctx.violations }
  }).pipe(Effect.provide(makeLayer()))

/** An operation as a report names it. */
export const describeOp = (op: Op): string => {
  switch (op._tag) {
    case "Retry":
    case "ReuseKey":
      return `${op._tag} #${op.pick}`
    case "CrossAccount":
      return `CrossAccount ${op.probe} (account ${op.account} → ${op.other})`
    default:
      return `${op._tag} (account ${op.account})`
  }
}
