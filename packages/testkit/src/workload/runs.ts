/**
 * The life of a run after its registration (invariant 4): started unless finished; finished from
 * active (or cancelled while pending); terminated with a reason unless finished, which ends its
 * open spans too.
 */
import { equal } from "../invariants/checks.js"
import { at, isTerminal } from "../model.js"
import { type Handler, type Handlers, nothing, perform } from "./plan.js"

const startRun: Handler<"StartRun"> = (ctx, account, op) => {
  const instance = at(account.instances, op.instance)
  if (instance === undefined) return nothing
  return perform(ctx, account, op.keyed, {
    invariant: "instances",
    name: "startRun",
    errors: isTerminal(instance.status) ? ["InvalidAction"] : [],
    call: (options) => account.session.startRun(instance.id, {}, options),
    update: (started) => {
      instance.status = "active"
      equal(ctx, "instances", "status after start", started.status, "active")
    }
  })
}

const finishRun: Handler<"FinishRun"> = (ctx, account, op) => {
  const instance = at(account.instances, op.instance)
  if (instance === undefined) return nothing
  const allowed = instance.status === "active" || (instance.status === "pending" && op.status === "cancelled")
  return perform(ctx, account, op.keyed, {
    invariant: "instances",
    name: "finishRun",
    label: `finishRun (${op.status})`,
    errors: allowed ? [] : ["InvalidAction"],
    call: (options) => account.session.finishRun(instance.id, { status: op.status }, options),
    update: (finished) => {
      instance.status = op.status
      equal(ctx, "instances", "status after finish", finished.status, op.status)
    }
  })
}

const terminateRun: Handler<"TerminateRun"> = (ctx, account, op) => {
  const instance = at(account.instances, op.instance)
  if (instance === undefined) return nothing
  const reason = op.reason.trim()
  const errors: Array<string> = []
  if (reason.length === 0) errors.push("InvalidInput")
  if (isTerminal(instance.status)) errors.push("InvalidAction")
  return perform(ctx, account, op.keyed, {
    invariant: "instances",
    name: "terminateRun",
    errors,
    call: (options) => account.session.terminateRun(instance.id, { reason: op.reason }, options),
    update: (terminated) => {
      instance.status = "terminated"
      for (const span of instance.spans) if (!isTerminal(span.status)) span.status = "terminated"
      equal(ctx, "instances", "terminated instance", {
        status: terminated.status,
        termination_reason: terminated.termination_reason
      }, { status: "terminated", termination_reason: reason })
    }
  })
}

export const runHandlers = {
  StartRun: startRun,
  FinishRun: finishRun,
  TerminateRun: terminateRun
} satisfies Partial<Handlers>
