/**
 * A long run for the read benches (timeline, export): `spanCount` complete spans recorded through
 * a session in batches, as roots each followed by `childrenPerRoot` children, ten milliseconds
 * apart. What each span carries, its type and its start are the bench's.
 */
import { type Commands, Ids, type Instance, type LedgerSession } from "@agentledger/domain"
import { DateTime, Effect } from "effect"

export interface WideRun {
  /** The agent's name. */
  readonly agentName: string
  readonly spanCount: number
  readonly batchSize: number
  readonly childrenPerRoot: number
  readonly payloadOf: (i: number) => Commands.CreateSpan["payload"]
  readonly resultOf: (i: number) => Commands.CreateSpan["result_payload"]
  readonly schemaNameOf: (i: number, isRoot: boolean) => string
  /** Moves the i-th span's start by this many milliseconds (default: none). */
  readonly startShift?: (i: number) => number
}

/** Records the run in the session's account: a new agent, its run started, then its spans. */
export const recordWideRun = async (session: LedgerSession, shape: WideRun): Promise<Instance.Instance> => {
  const entropy = Effect.runSync(Effect.provide(Ids.IdEntropy, Ids.IdEntropy.Live))
  const partition = Ids.partitionOf(session.principal.account_id)
  const run = await Effect.runPromise(Effect.gen(function*() {
    const agent = yield* session.createAgent({ name: shape.agentName })
    const environment = (yield* session.listEnvironments({ offset: 0, page_size: 10 })).items[0]
    if (environment === undefined) return yield* Effect.dieMessage("no environment")
    const registered = yield* session.registerRun({ agent_id: agent.id, environment_id: environment.id, update_current_version: true, purpose: "live" })
    return yield* session.startRun(registered.id, {})
  }))
  const base = Date.now() - shape.spanCount * 10
  for (let from = 0; from < shape.spanCount; from += shape.batchSize) {
    let root: Ids.SpanId | null = null
    const batch: Array<Commands.CreateSpan> = []
    for (let i = from; i < from + shape.batchSize; i++) {
      const isRoot = i % (shape.childrenPerRoot + 1) === 0
      const id = Ids.mintAt(Ids.SpanId, partition, Date.now(), entropy)
      if (isRoot) root = id
      batch.push({
        agent_instance_id: run.id,
        id,
        parent_span_id: isRoot ? null : root,
        schema_name: shape.schemaNameOf(i, isRoot),
        status: "complete",
        payload: shape.payloadOf(i),
        result_payload: shape.resultOf(i),
        started_at: DateTime.unsafeMake(base + 10 * i + (shape.startShift?.(i) ?? 0)),
        finished_at: DateTime.unsafeMake(base + 10 * i + 7)
      })
    }
    await Effect.runPromise(session.recordSpans(batch))
  }
  return run
}
