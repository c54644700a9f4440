/**
 * The evidence exports: one run as a document (`exportRun`), an agent's runs in a range as NDJSON
 * (`exportAgentRuns`). Each is read in two steps. Before the first byte, everything but the span
 * payloads: the run's records, its risk report, and where each span stands in the timeline
 * (`spans.places`, keyset pages without payloads) — so a run that is not found is a failure with
 * its status, not a cut body. Then the spans, whole, a page of the timeline order at a time
 * (`spans.withSequences`), each page written as it is read (`ExportDocument.open`): memory holds
 * the run's order and one page, however large the payloads.
 *
 * Each export is recorded in the account's audit log: a run's when its document is complete,
 * before the piece that ends it leaves (so no complete document exists that the log does not
 * name); an agent's when its stream ends, however it ends.
 */
import { Effect, Option, Stream } from "effect"
import { withEffectiveStatus } from "../Agent.js"
import { reaches } from "../ApiToken.js"
import * as Audit from "../Audit.js"
import { NotFound } from "../Errors.js"
import * as Export from "../Export.js"
import * as ExportDocument from "../ExportDocument.js"
import type { AgentId, InstanceId, SpanId } from "../Ids.js"
import type { Json } from "../Json.js"
import type { LedgerSession } from "../Ledger.js"
import type { StoreTx } from "../LedgerStore.js"
import * as Timeline from "../Timeline.js"
import * as AuditTrail from "./AuditTrail.js"
import { fromEither } from "./Shared.js"
import * as Reads from "./Reads.js"
import type { Session } from "./Session.js"
import { useCase } from "./Tracing.js"

type ExportUseCases = Pick<LedgerSession, "exportRun" | "exportAgentRuns">

const anyToken = { callers: "any token" } as const

/** A span's place in the document: which span, and how deep in the tree. */
interface Slot {
  readonly id: SpanId
  readonly sequence: number
  readonly depth: number
}

/** A document ready to write: its head, and its spans' slots in timeline order. */
interface Prepared {
  readonly head: Export.Head
  readonly slots: ReadonlyArray<Slot>
}

/** Every span's place in the run, a keyset page at a time. */
const placesOf = (tx: StoreTx, run: InstanceId): Effect.Effect<ReadonlyArray<Timeline.TimelineSpan>> =>
  Effect.gen(function*() {
    const places: Array<Timeline.TimelineSpan> = []
    let after = 0
    for (;;) {
      const page = yield* tx.spans.places(run, after, Export.pages.places)
      places.push(...page)
      const last = page[page.length - 1]
      if (last === undefined || page.length < Export.pages.places) return places
      after = last.sequence
    }
  })

/** The slots of a run's spans in timeline order: the tree of their places, depth first. */
const slotsOf = (places: ReadonlyArray<Timeline.TimelineSpan>): ReadonlyArray<Slot> =>
  Timeline.flatten(Timeline.timeline(places)).map(({ depth, span }) => ({ id: span.id, sequence: span.sequence, depth }))

/** Consecutive pieces of `items`, `size` each (the last may be shorter). */
const pagesOf = <A>(items: ReadonlyArray<A>, size: number): ReadonlyArray<ReadonlyArray<A>> => {
  const pages: Array<ReadonlyArray<A>> = []
  for (let start = 0; start < items.length; start += size) pages.push(items.slice(start, start + size))
  return pages
}

export const make = (session: Session): ExportUseCases => {
  const { load, principal, shared, work } = session
  const reads = Reads.make(session)
  const exporter = Audit.ofToken(principal)

  /** Where the account's audit chain stands now (as last committed: a read takes no lock). */
  const chainHead: Effect.Effect<Export.ChainPosition> = Effect.map(
    work.read((tx) => tx.audit.head, anyToken),
    Option.getOrElse(() => Export.chainStart)
  )

  /** Records an export in the account's audit log, in a unit of work of its own. */
  const record = (entity: InstanceId | null, after: Json): Effect.Effect<void> =>
    Effect.asVoid(work.transact((tx) =>
      AuditTrail.appendEvent(shared, tx, {
        actor: exporter,
        action: Export.action,
        entity: Audit.entityOf(Export.action),
        entity_id: entity,
        before: null,
        after
      })
    ))

  /**
   * Everything of a run's document but its spans' contents, read before its first byte. The
   * chain's head is read after the records: every change they show was committed with its event
   * (a mutation and its event are one unit of work), so the events up to the document's `chain`
   * account for all of them.
   */
  const prepare = (id: InstanceId): Effect.Effect<Prepared, NotFound> =>
    Effect.gen(function*() {
      const { places, records, run } = yield* work.read((tx) =>
        Effect.gen(function*() {
          const run = yield* load.instance(tx, id)
          // The run's stamps name records the store keeps while the run exists: their absence is a defect.
          const records = yield* Effect.all({
            agent: load.agent(tx, run.agent_id),
            agent_version: load.version(tx, run.agent_version_id),
            schema_version: load.schemaVersion(tx, run.agent_schema_version_id),
            environment: load.environment(tx, run.environment_id),
            deployment: run.agent_deployment_id === null
              ? Effect.succeed(null)
              : Effect.zipWith(load.deployment(tx, run.agent_deployment_id), tx.deployments.history(run.agent_deployment_id), (deployment, history) =>
                Export.deploymentAtRun(deployment, history, run)),
            risk_profile_revision: run.risk_profile_revision_id === null ? Effect.succeed(null) : load.revision(tx, run.risk_profile_revision_id)
          }, { concurrency: "unbounded" }).pipe(Effect.orDie)
          return { run, records, places: yield* placesOf(tx, id) }
        }), anyToken)
      // The report as the risk read answers it: one rule, one read.
      const risk = yield* reads.getRiskReport(id)
      const chain = yield* chainHead
      const now = yield* shared.now
      const head: Export.Head = {
        ...records,
        agent: withEffectiveStatus(records.agent, now),
        chain,
        exported_at: now,
        exported_by: exporter,
        format: Export.format,
        risk,
        run
      }
      return { head, slots: slotsOf(places) }
    })

  /** One page of a document's spans, whole, in the page's order. */
  const entries = (run: InstanceId, page: ReadonlyArray<Slot>): Effect.Effect<ReadonlyArray<Export.Entry>, NotFound> =>
    Effect.flatMap(work.read((tx) => tx.spans.withSequences(run, page.map((slot) => slot.sequence)), anyToken), (spans) => {
      const bySequence = new Map(spans.map((span) => [span.sequence, span]))
      const out: Array<Export.Entry> = []
      for (const slot of page) {
        const span = bySequence.get(slot.sequence)
        // Spans are erased only with their run: one gone since the run was ordered means the run is gone.
        if (span === undefined || span.id !== slot.id) return Effect.fail(new NotFound({ entity: "agent_instance", id: run }))
        out.push({ depth: slot.depth, span })
      }
      return Effect.succeed(out)
    })

  /**
   * A prepared document as pieces of text; `closing` runs once its contents are complete, with
   * their hash, before the piece that ends it; `suffix` follows that piece (a newline in NDJSON).
   */
  const document = (
    prepared: Prepared,
    closing: (sha256: string) => Effect.Effect<void>,
    suffix = ""
  ): Stream.Stream<string, NotFound> =>
    Stream.suspend(() => {
      const run = prepared.head.run.id
      const { opened, text } = ExportDocument.open(prepared.head)
      const spans = Stream.fromIterable(pagesOf(prepared.slots, Export.pages.spans)).pipe(
        Stream.mapEffect((page) => Effect.map(entries(run, page), opened.spans))
      )
      const end = Stream.fromEffect(Effect.suspend(() => {
        const closed = opened.close()
        return Effect.as(closing(closed.sha256), closed.text + suffix)
      }))
      return Stream.make(text).pipe(Stream.concat(spans), Stream.concat(end))
    })

  /** The ids of the agent's runs in the range, oldest first: the stream's runs, fixed when it begins. */
  const runsInRange = (tx: StoreTx, agent: AgentId, range: Export.RunRange): Effect.Effect<ReadonlyArray<InstanceId>> =>
    Effect.gen(function*() {
      const filter = Export.rangeFilter(agent, range)
      const ids: Array<InstanceId> = []
      for (let offset = 0;; offset += Export.pages.runs) {
        const page = yield* tx.instances.list(filter, { offset, limit: Export.pages.runs, sort: { field: "started_at", direction: "asc" } })
        for (const run of page.items) ids.push(run.id)
        if (page.items.length < Export.pages.runs || offset + Export.pages.runs >= page.total) return ids
      }
    })

  return {
    exportRun: useCase("Ledger.exportRun", (id) =>
      Effect.map(prepare(id), (prepared) =>
        document(prepared, (sha256) => record(id, Export.runExported(sha256, prepared.head.chain))))),

    exportAgentRuns: useCase("Ledger.exportAgentRuns", (id, request) =>
      Effect.gen(function*() {
        const range = yield* fromEither(Export.checkRange(request))
        const runs = yield* work.read((tx) =>
          Effect.gen(function*() {
            yield* load.agent(tx, id)
            // A deployment token exports its own agent's runs, as it reads them; another agent is not found.
            if (!reaches(principal, { agent_id: id })) return yield* Effect.fail(new NotFound({ entity: "agent", id }))
            return yield* runsInRange(tx, id, range)
          }), anyToken)
        // Where the chain stood when the stream began: each line carries its own, at or after it.
        const chain = yield* chainHead
        return Stream.suspend(() => {
          const lines = ExportDocument.lines()
          let complete = false
          // A run erased since the stream began is no longer in the range: it is left out, not an error.
          const line = (run: InstanceId) =>
            Stream.unwrap(Effect.map(Effect.option(prepare(run)), Option.match({
              onNone: () => Stream.empty,
              onSome: (prepared) => document(prepared, () => Effect.void, "\n")
            })))
          return Stream.fromIterable(runs).pipe(
            Stream.flatMap(line),
            // Canonical JSON escapes every newline in a string: a piece ending in one ends a line.
            Stream.tap((text) => Effect.sync(() => lines.add(text, text.endsWith("\n")))),
            Stream.concat(Stream.fromEffect(Effect.sync(() => {
              complete = true
            })).pipe(Stream.drain)),
            Stream.ensuring(Effect.suspend(() => {
              const written = lines.close()
              return record(null, Export.runsExported({ agent_id: id, range, runs: written.lines, sha256: written.sha256, chain, complete }))
            }))
          )
        })
      }))
  }
}

