/**
 * Everything an account token can read of an account's runs, through every read route: the run
 * list and each run (record, timeline, outline, spans by run, each span, risk report), the spans
 * across the account, the overview, the activity (the account's and each agent's) and the
 * agents' run counts. Erasure's checks read it before and after: what was erased must appear in
 * none of it, and what remains must read as it did.
 */
import { type Ids, type Instance, type LedgerSession, Status } from "@agentledger/domain"
import { Effect } from "effect"
import { everything } from "../fixtures.js"
import { canonical } from "../reference.js"

/** What the account shows of one run: its figures, and all it says of it as JSON text. */
export interface RunShown {
  readonly instance: Instance.Instance
  /** What erasure must keep: the run's counts, conformance counts, risk and risk report. */
  readonly figures: string
}

export interface Shown {
  readonly runs: ReadonlyMap<string, RunShown>
  /** Every answer of every read route, as one text. */
  readonly text: string
  /**
   * The audit log, as one text: it keeps that an erasure happened — the ids it names — and
   * never the data (ingest writes no event).
   */
  readonly audit: string
  /** Runs by status in the overview, and spans in the account's activity. */
  readonly overviewRuns: number
  readonly activitySpans: number
}

const spansOf = (counts: Status.CountByStatus): number => Status.statuses.reduce((sum, status) => sum + counts[status], 0)

/** Reads every route of the account (the runs are few: one page holds them). */
export const shown = (session: LedgerSession, agents: ReadonlyArray<Ids.AgentId>): Effect.Effect<Shown, unknown> =>
  Effect.gen(function*() {
    const texts: Array<string> = []
    const keep = <A>(answer: A): A => {
      texts.push(canonical(answer))
      return answer
    }
    const list = keep(yield* session.listInstances(everything))
    const runs = new Map<string, RunShown>()
    for (const listed of list.items) {
      const instance = keep(yield* session.getInstance(listed.id))
      const timeline = keep(yield* session.getTimeline(listed.id))
      keep(yield* session.listSpanOutlines(listed.id, everything))
      keep(yield* session.listSpans({ ...everything, agent_instance_id: listed.id }))
      for (const { span } of timeline.spans) keep(yield* session.getSpan(span.id))
      const report = keep(yield* session.getRiskReport(listed.id))
      keep(yield* session.getActivity({ agent_instance_id: listed.id }))
      runs.set(listed.id, {
        instance,
        figures: canonical({
          span_counts: instance.span_counts,
          conformance_counts: instance.conformance_counts,
          risk: instance.risk,
          report,
          spans: timeline.spans.map(({ depth, span }) => [span.id, depth, span.status, span.risk_points, span.conformance.payload, span.conformance.result])
        })
      })
    }
    keep(yield* session.listSpans(everything))
    const overview = keep(yield* session.getOverview({}))
    const activity = keep(yield* session.getActivity({}))
    for (const agent of agents) keep(yield* session.getActivity({ agent_id: agent }))
    const listedAgents = keep(yield* session.listAgents(everything))
    keep(yield* session.agentUsage(listedAgents.items))
    const events: Array<string> = []
    for (let offset = 0; ; offset += everything.page_size) {
      const page = yield* session.listAuditEvents({ ...everything, offset })
      events.push(canonical(page.items))
      if (page.items.length < everything.page_size) break
    }
    return {
      runs,
      text: texts.join("\n"),
      audit: events.join("\n"),
      overviewRuns: spansOf(overview.runs_by_status),
      activitySpans: activity.buckets.reduce((sum, bucket) => sum + spansOf(bucket.counts), 0)
    }
  })
