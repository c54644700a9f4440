/**
 * A request's plan (`Plan.ts`) carried out through the `Ledger`, deciding nothing itself: per
 * trace group, the run is registered under the trace's idempotency key (`otlp-<trace id>`: every
 * later export of the trace replays it and finds the same run) on its deployment's version when
 * the deployment points at one (`version: "deployment"`), the spans are recorded in one
 * `recordSpans` per batch with their derived ids (`SpanIds.ts`) as spans reported after they
 * completed (the domain's `ReportedSpans`: a parent may come later, a finished run takes a span
 * within its time), and the run is finished when the group holds its root. What the ledger refuses is refused span by span, with its reason, for
 * the partial success; a span the ledger already holds (its id answers `Conflict`) has landed.
 */
import { Commands, type Conflict, type Ids, type InvalidAction, type InvalidInput, type LedgerSession, type NotFound, type NotPermitted } from "@agentledger/domain"
import { DateTime, Effect, Either } from "effect"
import { activitySchema } from "./genai/BuiltIn.js"
import type { Plan, Refused, TraceGroup } from "./Plan.js"
import type { Reported } from "./Reported.js"
import { spanIdOf } from "./SpanIds.js"
import { sdkOf, targetOf, versionOf } from "./Target.js"

export interface Outcome {
  /** Spans now held by the ledger, those it held already included. */
  readonly landed: number
  readonly refused: ReadonlyArray<Refused>
  /** What went wrong beyond the spans, all of which landed: a trace's run that could not be finished. */
  readonly warnings: ReadonlyArray<string>
}

type LedgerFailure = InvalidInput | NotFound | InvalidAction | NotPermitted | Conflict

/** OTel spans are exported once they completed (`ReportedSpans` in the domain). */
const reported = { reported: "completed" } as const

/** The idempotency key of a trace's run. */
export const runKey = (traceId: string): string => `otlp-${traceId}`

const refuseAll = (spans: ReadonlyArray<Reported>, reason: string): ReadonlyArray<Refused> => spans.map((span) => ({ spanId: span.spanId, reason }))

/** The environments of the account by name, read once per request when an account token needs them. */
const environmentsByName = (session: LedgerSession) =>
  Effect.gen(function*() {
    const byName = new Map<string, Ids.EnvironmentId>()
    for (let offset = 0; ; offset += 100) {
      const page = yield* session.listEnvironments({ offset, page_size: 100 })
      for (const environment of page.items) byName.set(environment.name, environment.id)
      if (page.items.length < 100) return byName
    }
  })

/** The span inputs of a group's spans in a run. */
const inputsOf = (run: Parameters<typeof spanIdOf>[0], group: TraceGroup): ReadonlyArray<Commands.CreateSpan> =>
  group.spans.map((span) => ({
    agent_instance_id: run,
    id: spanIdOf(run, group.traceId, span.spanId),
    parent_span_id: span.parentSpanId === null ? null : spanIdOf(run, group.traceId, span.parentSpanId),
    schema_name: span.schemaName,
    status: span.status,
    payload: span.payload,
    result_payload: span.resultPayload,
    started_at: DateTime.unsafeMake(span.startedAt),
    finished_at: DateTime.unsafeMake(span.finishedAt)
  }))

/** Carries out a plan for the caller of `session`. */
export const ingest = (session: LedgerSession, plan: Plan): Effect.Effect<Outcome> =>
  Effect.gen(function*() {
    let landed = plan.repeated
    const refused: Array<Refused> = [...plan.refused]
    const warnings: Array<string> = []
    let environments: Map<string, Ids.EnvironmentId> | undefined

    /** Records spans, a batch at a time; a batch the ledger refuses is retried span by span to find which. */
    const record = (inputs: ReadonlyArray<Commands.CreateSpan>, spans: ReadonlyArray<Reported>) =>
      Effect.gen(function*() {
        const recorded = new Set<number>()
        for (let start = 0; start < inputs.length; start += Commands.maxBatchSpans) {
          const batch = inputs.slice(start, start + Commands.maxBatchSpans)
          const whole = yield* Effect.either(session.recordSpans(batch, reported))
          if (Either.isRight(whole)) {
            for (let index = start; index < start + batch.length; index++) recorded.add(index)
            continue
          }
          for (const [offset, input] of batch.entries()) {
            const one = yield* Effect.either(session.recordSpans([input], reported))
            if (Either.isRight(one) || one.left._tag === "Conflict") recorded.add(start + offset)
            else refused.push({ spanId: spans[start + offset]?.spanId ?? "", reason: one.left.message })
          }
        }
        landed += recorded.size
        return recorded
      })

    for (const group of plan.groups) {
      const target = targetOf(session.principal, group.resource)
      if (Either.isLeft(target)) {
        refused.push(...refuseAll(group.spans, target.left))
        continue
      }
      let agentId: Ids.AgentId | undefined
      let environmentId: Ids.EnvironmentId | undefined
      if (target.right._tag === "Named") {
        const { agent, environment } = target.right
        const found = yield* Effect.either(session.findAgentByExternalIdentifier(agent))
        if (Either.isLeft(found)) {
          refused.push(...refuseAll(group.spans, `no agent has the external identifier ${JSON.stringify(agent)} (service.name)`))
          continue
        }
        environments ??= yield* environmentsByName(session).pipe(Effect.orElseSucceed(() => new Map<string, Ids.EnvironmentId>()))
        environmentId = environments.get(environment)
        if (environmentId === undefined) {
          refused.push(...refuseAll(group.spans, `no environment is named ${JSON.stringify(environment)} (deployment.environment.name)`))
          continue
        }
        agentId = found.right.id
      }
      const run = yield* Effect.either(session.registerRun(
        {
          agent_id: agentId ?? null,
          environment_id: environmentId ?? null,
          agent_version: { external_identifier: versionOf(group.resource) },
          agent_schema_version: activitySchema,
          update_current_version: false,
          purpose: "live"
        },
        { idempotencyKey: runKey(group.traceId), version: "deployment", reportedBy: { protocol: "otlp", sdk: sdkOf(group.resource) } }
      ))
      if (Either.isLeft(run)) {
        refused.push(...refuseAll(group.spans, `the trace's run could not be registered: ${ledgerMessage(run.left)}`))
        continue
      }
      const recorded = yield* record(inputsOf(run.right.id, group), group.spans)
      const root = group.root
      if (root !== undefined && recorded.has(group.spans.indexOf(root))) {
        // A run finished already (the root exported twice) or terminated stays as it is; any other
        // failure to finish it is a warning of the partial success: the root itself landed.
        const finished = yield* Effect.either(session.finishRun(run.right.id, { status: root.status, timestamp: DateTime.unsafeMake(root.finishedAt) }))
        if (Either.isLeft(finished) && finished.left._tag !== "InvalidAction") {
          warnings.push(`the run of trace ${group.traceId} could not be finished: ${ledgerMessage(finished.left)}`)
        }
      }
    }
    return { landed, refused, warnings }
  })

const ledgerMessage = (error: LedgerFailure): string => error.message
