/**
 * The activity read: the spans started in a window, counted by status in buckets (`Activity`),
 * for the account, one agent or one run. Scoped as the overview is: a deployment token counts
 * its own agent's spans only (asked for another agent's, it counts none), and a run it may not
 * read is not found.
 */
import { Effect } from "effect"
import * as Activity from "../Activity.js"
import { agentScope } from "../ApiToken.js"
import { within } from "../InstanceQuery.js"
import type { LedgerSession } from "../Ledger.js"
import { fromEither } from "./Shared.js"
import type { Session } from "./Session.js"
import { useCase } from "./Tracing.js"

export const make = ({ load, principal, shared, work }: Session): Pick<LedgerSession, "getActivity"> => ({
  getActivity: useCase("Ledger.getActivity", (request) =>
    work.read((tx) =>
      Effect.gen(function*() {
        const window = yield* fromEither(Activity.windowOf(request, yield* shared.now))
        const run = request.agent_instance_id
        // Not found, rather than a chart of nothing, for a run the caller may not read.
        if (run !== undefined) yield* load.instance(tx, run)
        const filter = within({ window, agent_id: request.agent_id, agent_instance_id: run }, agentScope(principal))
        const cells = filter === undefined ? [] : yield* tx.spans.activity(filter)
        return Activity.histogram(window, cells)
      }), { callers: "any token" }))
})
