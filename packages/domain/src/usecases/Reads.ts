/**
 * The reads of runs and their spans: a run, a page of runs, a run's timeline, its outline, a
 * span, a page of spans, a run's risk report, the overview of the last day's runs. A deployment
 * token reads its own agent's runs and spans (`Loads`) and its own agent's overview, never a list
 * across the account.
 */
import { DateTime, Effect } from "effect"
import { agentScope } from "../ApiToken.js"
import type { LedgerSession } from "../Ledger.js"
import * as InstanceQuery from "../InstanceQuery.js"
import * as Overview from "../Overview.js"
import { sortFields } from "../LedgerStore.js"
import * as Risk from "../Risk.js"
import { defaultOutlineSorting, outlineSortFields } from "../SpanOutline.js"
import * as Timeline from "../Timeline.js"
import { list } from "./Listing.js"
import { fromEither } from "./Shared.js"
import type { Session } from "./Session.js"
import { useCase } from "./Tracing.js"

type ReadUseCases = Pick<
  LedgerSession,
  "getInstance" | "listInstances" | "getTimeline" | "getSpan" | "listSpans" | "listSpanOutlines" | "getRiskReport" | "getOverview"
>

const anyToken = { callers: "any token" } as const

/** The newest runs first, as many as an overview shows. */
const newestAttention = { offset: 0, limit: Overview.attentionShown, sort: { field: "started_at", direction: "desc" } } as const

export const make = ({ load, principal, shared, work }: Session): ReadUseCases => ({
  getInstance: useCase("Ledger.getInstance", (id) => work.read((tx) => load.instance(tx, id), anyToken)),

  listInstances: useCase("Ledger.listInstances", (request) =>
    work.read((tx) =>
      Effect.flatMap(fromEither(InstanceQuery.pageRequest(request)), (page) =>
        list(page, sortFields.agent_instance, "-id", (query) =>
          tx.instances.list(InstanceQuery.fromRequest(request), query)))
    )),

  getTimeline: useCase("Ledger.getTimeline", (id) =>
    work.read((tx) =>
      // The two reads at once: on a database, one round trip instead of two.
      Effect.map(
        Effect.all([load.instance(tx, id), tx.spans.ofInstance(id)], { concurrency: 2 }),
        ([instance, spans]) => ({ instance, spans: Timeline.flatten(Timeline.timeline(spans)) })
      ), anyToken)),

  getSpan: useCase("Ledger.getSpan", (id) => work.read((tx) => load.span(tx, id), anyToken)),

  listSpans: useCase("Ledger.listSpans", (request) => {
    const run = request.agent_instance_id
    return work.read((tx) =>
      Effect.gen(function*() {
        if (run !== undefined) yield* load.instance(tx, run)
        return yield* list(request, sortFields.agent_span, "started_at", (query) =>
          tx.spans.list({
            agent_instance_id: run,
            agent_id: request.agent_id,
            start_time: request.start_time === undefined ? undefined : DateTime.toEpochMillis(request.start_time),
            end_time: request.end_time === undefined ? undefined : DateTime.toEpochMillis(request.end_time)
          }, query))
      }),
      // A deployment token lists the spans of one of its runs, never the account's.
      { callers: run === undefined ? "account tokens" : "any token" })
  }),

  listSpanOutlines: useCase("Ledger.listSpanOutlines", (id, request) =>
    work.read((tx) =>
      Effect.zipRight(
        load.instance(tx, id),
        list(request, outlineSortFields, defaultOutlineSorting, (query) =>
          tx.spans.outlines(id, { schema_name: request.schema_name, flagged: request.flagged }, query))
      ), anyToken)),

  getRiskReport: useCase("Ledger.getRiskReport", (id) =>
    work.read((tx) =>
      Effect.gen(function*() {
        const instance = yield* load.instance(tx, id)
        if (instance.risk === null || instance.risk_profile_revision_id === null) return null
        const revision = yield* load.revision(tx, instance.risk_profile_revision_id).pipe(Effect.orDie)
        // Counts and points by (type, status), summed by the store: no payload is read.
        const tallies = yield* tx.spans.tallies(id)
        return {
          total: instance.risk.total,
          level: instance.risk.level,
          peak_level: instance.risk.peak_level,
          thresholds: revision.rules.thresholds,
          profile_revision_id: revision.id,
          breakdown: Risk.breakdownOf(tallies)
        }
      }), anyToken)),

  getOverview: useCase("Ledger.getOverview", (request) =>
    work.read((tx) =>
      Effect.gen(function*() {
        const now = yield* shared.now
        const since = Overview.sinceOf(request, now)
        // A deployment token's overview is its own agent's, as its reads of runs are.
        const runs = { agent_id: agentScope(principal), started_after: DateTime.toEpochMillis(since) }
        // The counts in one aggregate, the runs needing attention in one page: two reads at once.
        const [rows, attention] = yield* Effect.all([
          tx.agents.overview(runs),
          tx.instances.list({ ...runs, attention: true }, newestAttention)
        ], { concurrency: 2 })
        return Overview.summarize(rows, attention.items, since, now)
      }), anyToken))
})
