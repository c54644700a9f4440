/**
 * The dispatcher: each operation goes to the handler of its family; replays of earlier keys go
 * to the idempotency checks.
 */
import { Effect } from "effect"
import { at, type MAccount, type RunState } from "../model.js"
import type { Op, Workload } from "../ops.js"
import { agentHandlers } from "./agents.js"
import { deploymentHandlers } from "./deployments.js"
import { environmentHandlers } from "./environments.js"
import { retry, reuseKey } from "./idempotency.js"
import type { AccountTag, Handlers, OpOf } from "./plan.js"
import { registerHandlers } from "./register.js"
import { riskProfileHandlers } from "./riskProfiles.js"
import { runHandlers } from "./runs.js"
import { spanHandlers } from "./spans.js"
import { tenancyHandlers } from "./tenancy.js"
import { tokenHandlers } from "./tokens.js"

const handlers: Handlers = {
  ...environmentHandlers,
  ...riskProfileHandlers,
  ...agentHandlers,
  ...registerHandlers,
  ...runHandlers,
  ...spanHandlers,
  ...deploymentHandlers,
  ...tokenHandlers,
  ...tenancyHandlers
}

const handle = <T extends AccountTag>(ctx: RunState, account: MAccount, tag: T, op: OpOf<T>, workload: Workload) =>
  handlers[tag](ctx, account, op, workload)

/** Runs one operation; false when it found nothing to act on. */
export const runOp = (ctx: RunState, workload: Workload, op: Op): Effect.Effect<boolean> => {
  switch (op._tag) {
    case "Retry":
      return retry(ctx, op.pick)
    case "ReuseKey":
      return reuseKey(ctx, op.pick)
    default: {
      const account = at(ctx.accounts, op.account)
      if (account === undefined) return Effect.succeed(false)
      return handle(ctx, account, op._tag, op, workload)
    }
  }
}
