/**
 * The span use cases — record one, record a batch, finish one — the hot path of ingest.
 *
 * Spans are decided under their run's lock, a batch folding its decisions in order. Creates and
 * finishes without an idempotency key are grouped per run (`GroupCommit`): those that arrive
 * while the run's last write is under way are written together, one statement for all. A span
 * decision costs O(1): a run's context (compiled schema, scoring table) is prepared once per
 * (schema version, profile revision), and the owners of spans this process recorded are kept,
 * so a child's parent and a finish's run are found without reading the span.
 *
 * Each span is decided on what the client sent and stored as the account's masking policy masks
 * it (`Masking`; the policy read once per unit of work, from a per-account cache). A keyed
 * request's record is fingerprinted on that stored form (`MaskedRequests`).
 *
 * A batch may be reported after its spans completed (`reported: "completed"`, the OTLP
 * ingestion's): its spans keep `ReportedSpans`' rules — a parent not stored yet is awaited, a
 * finished run takes a span within its time.
 *
 * A span create or finish answers the span with its run's `Control`, read from the run as its
 * unit of work left it (a keyed request replayed reads the run again): the agent of a terminated
 * run hears it with its next span.
 */
import { Effect, Either, Option, Ref } from "effect"
import type * as Commands from "../Commands.js"
import { validateSpanBatch } from "../Commands.js"
import * as Control from "../Control.js"
import type { NotFound } from "../Errors.js"
import * as GroupCommit from "../GroupCommit.js"
import * as Ids from "../Ids.js"
import type { Instance } from "../Instance.js"
import { type ControlledSpan, type LedgerSession, RecordedSpans } from "../Ledger.js"
import type { StoreTx } from "../LedgerStore.js"
import * as OutsideWork from "../OutsideWork.js"
import * as ReportedSpans from "../ReportedSpans.js"
import * as Risk from "../Risk.js"
import * as SchemaVersion from "../SchemaVersion.js"
import * as Span from "../Span.js"
import { conflictOn, found } from "./Loads.js"
import * as MaskedRequests from "./MaskedRequests.js"
import { maskerOf } from "./MaskingPolicies.js"
import type { Session } from "./Session.js"
import { fromEither, type Shared } from "./Shared.js"
import { useCase } from "./Tracing.js"
import { checkStorable } from "./UnitOfWork.js"

type SpanUseCases = Pick<LedgerSession, "recordSpan" | "recordSpanWithControl" | "recordSpans" | "finishSpan" | "finishSpanWithControl">

/**
 * The most span creates one grouped commit takes: enough to turn a burst into a few statements,
 * few enough that one statement stays well under PostgreSQL's bind-parameter limit.
 */
const groupedSpans = 256

/** A span to finish, as a use case receives it. */
interface SpanFinish {
  readonly id: Ids.SpanId
  readonly input: Commands.FinishSpan
}

/** The run context of an instance: its compiled schema and scoring table, prepared once. */
const runContext = (
  shared: Shared,
  tx: StoreTx,
  instance: Instance,
  answers: OutsideWork.Answers
): Effect.Effect<Span.RunContext, OutsideWork.Pending> => {
  const key = MaskedRequests.runContextKey(instance)
  const hit = shared.runContexts.get(key)
  if (hit !== undefined) return Effect.succeed(hit)
  return Effect.gen(function*() {
    const version = yield* tx.schemaVersions.get(instance.agent_schema_version_id).pipe(
      Effect.flatMap(found("agent_schema_version", instance.agent_schema_version_id)),
      Effect.orDie
    )
    const schema = SchemaVersion.activitySchemaOf(version)
    let scoring: Span.RunContext["scoring"] = null
    if (instance.risk_profile_revision_id !== null) {
      const revision = yield* tx.riskProfiles.getRevision(instance.risk_profile_revision_id).pipe(
        Effect.flatMap(found("risk_profile_revision", instance.risk_profile_revision_id)),
        Effect.orDie
      )
      scoring = { table: Risk.scoringTable(schema, revision.rules), thresholds: revision.rules.thresholds }
    }
    const compiledSchema = yield* shared.outside.compiled(answers, version.fingerprint, () => schema)
    return shared.runContexts.set(key, Span.runContext(version.span_type_schemas, compiledSchema, scoring))
  })
}

/** Spans a unit of work recorded or finished, and their runs as it left them. */
interface Written {
  readonly spans: ReadonlyArray<Span.Span>
  readonly runs: ReadonlyMap<string, Instance>
}

/** Each span with the control its run as written says. */
const replies = ({ runs, spans }: Written): ReadonlyArray<ControlledSpan> =>
  spans.map((span) => {
    const run = runs.get(span.agent_instance_id)
    return { span, control: run === undefined ? null : Control.controlOf(run) }
  })

const onlyReply = (written: ReadonlyArray<ControlledSpan>) =>
  written[0] === undefined ? Effect.dieMessage("a recorded batch of one lost its span") : Effect.succeed(written[0])

/** The runs spans belong to: a key's record of them goes when one of the runs is erased. */
const runsOf = (spans: ReadonlyArray<Span.Span>): ReadonlyArray<Ids.InstanceId> => [...new Set(spans.map((span) => span.agent_instance_id))]
const runOf = (span: Span.Span): ReadonlyArray<Ids.InstanceId> => [span.agent_instance_id]

const onlySpan = (spans: ReadonlyArray<Span.Span>) =>
  spans[0] === undefined ? Effect.dieMessage("a recorded batch of one lost its span") : Effect.succeed(spans[0])

export const make = (session: Session): SpanUseCases => {
  const { account, load, shared, work } = session
  const { now, outside, spanOwners } = shared
  const partition = Ids.partitionOf(account)
  const masked = MaskedRequests.make(session)
  type PendingChecks = Parameters<typeof outside.offloaded>[1]

  /** A span's owner, from this process's memory when it recorded the span, else from the store. */
  const spanOwner = (tx: StoreTx, id: Ids.SpanId): Effect.Effect<Span.SpanOwner, NotFound> => {
    const known = spanOwners.get(`${account}/${id}`)
    return known === undefined ? load.span(tx, id) : load.visible<Span.SpanOwner>("agent_span")(known)
  }

  /** Remembers the owner of a span once its unit of work has committed. */
  const rememberOne = (span: Span.Span): void => {
    spanOwners.set(`${account}/${span.id}`, { id: span.id, agent_id: span.agent_id, agent_instance_id: span.agent_instance_id })
  }
  const remember = (spans: ReadonlyArray<Span.Span>): void => spans.forEach(rememberOne)
  const rememberReplies = (answered: ReadonlyArray<ControlledSpan>): void => {
    for (const reply of answered) rememberOne(reply.span)
  }

  /**
   * A keyed span call's unit of work, whose answer (a span, as its key's record keeps it) comes
   * with its run's control: the run as the work left it, or — the work did not run, the key's
   * record replayed — as it is now (an erased run tells nothing).
   */
  const withControl = <E>(keyed: (written: (runs: ReadonlyMap<string, Instance>) => Effect.Effect<void>) => Effect.Effect<Span.Span, E>) =>
    Effect.gen(function*() {
      const seen = yield* Ref.make<Option.Option<Control.RunControl | null>>(Option.none())
      const span = yield* keyed((runs) => {
        const run = runs.values().next().value
        return Ref.set(seen, Option.some(run === undefined ? null : Control.controlOf(run)))
      })
      const control = yield* Option.match(yield* Ref.get(seen), { onNone: () => currentControl(span), onSome: Effect.succeed })
      return { span, control }
    })

  /** The control of a span's run as it is now; none when the run is no longer there. */
  const currentControl = (span: Span.Span): Effect.Effect<Control.RunControl | null> =>
    work.read((tx) => load.instance(tx, span.agent_instance_id), { callers: "any token" }).pipe(
      Effect.map(Control.controlOf),
      Effect.orElseSucceed(() => null)
    )

  /**
   * Records spans on locked instances: one unit of work, decisions folded in order. Within a
   * batch an instance is locked once and its context prepared once, so a span whose parent
   * is in the batch costs no store call at all.
   */
  const recordAll = (
    tx: StoreTx,
    inputs: ReadonlyArray<Commands.CreateSpan>,
    answers: OutsideWork.Answers,
    reported?: ReportedSpans.Reporting | undefined
  ) =>
    Effect.gen(function*() {
      const pending: PendingChecks = []
      const at = yield* now
      const masking = yield* maskerOf(shared, tx, at)
      const instances = new Map<string, Instance>()
      const contextsOf = new Map<string, Span.RunContext>()
      const batch = new Map<string, Span.Span>()
      /** Parents named in the batch that the store does not hold. */
      const absent = new Set<string>()
      const recorded: Array<Span.Span> = []
      for (const [index, input] of inputs.entries()) {
        const run = Span.runOf(input)
        if (Either.isLeft(run)) return yield* run.left
        const instanceId = run.right
        let instance = instances.get(instanceId)
        if (instance === undefined) instance = yield* load.lockInstance(tx, instanceId)
        let context = contextsOf.get(instanceId)
        if (context === undefined) {
          context = yield* runContext(shared, tx, instance, answers)
          contextsOf.set(instanceId, context)
        }
        let parent: Span.SpanOwner | null = null
        let awaitedParent: Ids.SpanId | null = null
        const parentId = input.parent_span_id
        if (parentId !== undefined && parentId !== null) {
          const inBatch = batch.get(parentId)
          if (inBatch !== undefined) {
            parent = inBatch
          } else if (reported === "completed") {
            // A span reported after it completed may name a parent that has not arrived yet;
            // siblings name the same one, looked up once per batch.
            const stored = absent.has(parentId) ? Option.none() : yield* Effect.option(spanOwner(tx, parentId))
            if (Option.isSome(stored)) {
              parent = stored.value
            } else {
              absent.add(parentId)
              const awaited = ReportedSpans.awaitedParent(parentId, partition)
              if (Either.isLeft(awaited)) return yield* awaited.left
              awaitedParent = awaited.right
            }
          } else {
            parent = yield* spanOwner(tx, parentId)
          }
        }
        const picked = shared.pickId(Ids.SpanId, account, at, input.id)
        if (Either.isLeft(picked)) return yield* picked.left
        const id = Span.checkNewInBatch(batch, picked.right)
        if (Either.isLeft(id)) return yield* id.left
        const offloaded = outside.offloaded(
          answers,
          pending,
          index,
          context.types.get(input.schema_name),
          input.payload,
          input.result_payload ?? null,
          input.status
        )
        const next = Span.recordSpan({ instance, input, parent, context, id: id.right, now: at, offloaded, masking, reported, awaitedParent })
        if (Either.isLeft(next)) return yield* next.left
        instances.set(instanceId, next.right.instance)
        batch.set(id.right, next.right.span)
        recorded.push(next.right.span)
      }
      if (pending.length > 0) return yield* new OutsideWork.Pending({ schemas: [], checks: pending })
      yield* tx.spans.record(recorded, [...instances.values()]).pipe(Effect.mapError(conflictOn("a span with that id exists")))
      const written: Written = { spans: recorded, runs: instances }
      return written
    })

  /**
   * Finishes spans of one run under its lock: one unit of work, decisions folded in order (a
   * span finished twice in a batch is refused the second time, as it would be one by one).
   */
  const finishAll = (tx: StoreTx, finishes: ReadonlyArray<SpanFinish>, answers: OutsideWork.Answers) =>
    Effect.gen(function*() {
      const at = yield* now
      const masking = yield* maskerOf(shared, tx, at)
      const pending: PendingChecks = []
      const finished = new Map<string, Span.Span>()
      // What changed: a span its run's termination closed is answered as it stands, not written.
      const changed = new Map<string, Span.Span>()
      const answered: Array<Span.Span> = []
      let instance: Instance | undefined
      let runChanged = false
      let context: Span.RunContext | undefined
      for (const [index, { id, input }] of finishes.entries()) {
        // Load, lock the parent, reload (`Loads.underParentLock`), written out: the run is locked
        // once per batch, and through the helper a finish measured 8–14% slower.
        const owner = yield* spanOwner(tx, id)
        if (instance === undefined) instance = yield* load.lockInstance(tx, owner.agent_instance_id)
        if (owner.agent_instance_id !== instance.id) return yield* Effect.dieMessage("a batch of finishes spans two runs")
        context ??= yield* runContext(shared, tx, instance, answers)
        // Read under the run's lock: a concurrent finish may have landed first.
        const current = finished.get(id) ?? (yield* load.span(tx, id))
        const resultPayload = input.result_payload ?? current.result_payload
        const offloaded = outside.offloaded(answers, pending, index, context.types.get(current.schema_name), null, resultPayload, input.status, false)
        const next = yield* fromEither(Span.finishSpan({ span: current, instance, input, context, now: at, offloaded, masking }))
        if (next.instance !== instance) runChanged = true
        instance = next.instance
        finished.set(id, next.span)
        if (next.span !== current) changed.set(id, next.span)
        answered.push(next.span)
      }
      if (pending.length > 0) return yield* new OutsideWork.Pending({ schemas: [], checks: pending })
      if (changed.size > 0) yield* tx.spans.update([...changed.values()])
      if (instance !== undefined && runChanged) yield* tx.instances.update(instance)
      const written: Written = { spans: answered, runs: new Map(instance === undefined ? [] : [[instance.id, instance]]) }
      return written
    })

  /**
   * What a unit of work's key record fingerprints: the requests as they will be stored
   * (`MaskedRequests`) under a key, checked for storable text as sent; without a key nothing is
   * recorded, so they go as they are.
   */
  const storedForm = (inputs: ReadonlyArray<Commands.CreateSpan>, options: Commands.MutationOptions | undefined, sent: unknown = inputs) =>
    options?.idempotencyKey === undefined ? Effect.succeed(inputs) : Effect.zipRight(checkStorable(sent), masked.creates(inputs))

  const storedFinish = (id: Ids.SpanId, input: Commands.FinishSpan, options: Commands.MutationOptions | undefined) =>
    options?.idempotencyKey === undefined ? Effect.succeed(input) : Effect.zipRight(checkStorable({ id, input }), masked.finish(id, input))

  /** Span finishes without an idempotency key, of spans this process recorded, grouped per run. */
  const spanFinishes = GroupCommit.make({
    maxBatch: groupedSpans,
    together: (finishes: ReadonlyArray<SpanFinish>) =>
      outside.settle((answers) => work.transact((tx) => finishAll(tx, finishes, answers))).pipe(Effect.map(replies)),
    alone: (finish: SpanFinish) =>
      outside.settle((answers) => work.transact((tx) => finishAll(tx, [finish], answers))).pipe(Effect.map(replies), Effect.flatMap(onlyReply))
  })

  /**
   * Span creates without an idempotency key, grouped per run (`GroupCommit`): those that arrive
   * while the run's last write is under way are written together, one statement for all.
   */
  const spanCommits = GroupCommit.make({
    maxBatch: groupedSpans,
    together: (inputs: ReadonlyArray<Commands.CreateSpan>) =>
      outside.settle((answers) => work.append((tx) => recordAll(tx, inputs, answers))).pipe(Effect.map(replies), Effect.tap(rememberReplies)),
    alone: (input: Commands.CreateSpan) =>
      outside.settle((answers) => work.append((tx) => recordAll(tx, [input], answers))).pipe(
        Effect.map(replies),
        Effect.tap(rememberReplies),
        Effect.flatMap(onlyReply)
      )
  })

  const recordSpanWithControl = (input: Commands.CreateSpan, options: Commands.MutationOptions | undefined) =>
    options?.idempotencyKey === undefined && input.agent_instance_id !== null
      ? Effect.zipRight(checkStorable(input), spanCommits.submit(input.agent_instance_id, input))
      : Effect.flatMap(storedForm([input], options, input), ([request]) =>
        withControl((written) =>
          outside.settle((answers) =>
            work.ingest(
              { operation: "agent_span.create", request, answer: Span.Span, options, callers: "any token", runs: runOf },
              (tx) => recordAll(tx, [input], answers).pipe(Effect.tap(({ runs }) => written(runs)), Effect.flatMap(({ spans }) => onlySpan(spans)))
            )
          )
        )).pipe(Effect.tap(({ span }) => rememberOne(span)))

  const finishSpanWithControl = (id: Ids.SpanId, input: Commands.FinishSpan, options: Commands.MutationOptions | undefined) => {
    const known = spanOwners.get(`${account}/${id}`)
    return options?.idempotencyKey === undefined && known !== undefined
      ? Effect.zipRight(checkStorable({ id, input }), spanFinishes.submit(known.agent_instance_id, { id, input }))
      : Effect.flatMap(storedFinish(id, input, options), (request) =>
        withControl((written) =>
          outside.settle((answers) =>
            work.mutate(
              { operation: "agent_span.finish", request: { id, input: request }, answer: Span.Span, options, callers: "any token", ingest: true, runs: runOf },
              (tx) => finishAll(tx, [{ id, input }], answers).pipe(Effect.tap(({ runs }) => written(runs)), Effect.flatMap(({ spans }) => onlySpan(spans)))
            )
          )
        ))
  }

  return {
    recordSpanWithControl: useCase("Ledger.recordSpan", recordSpanWithControl),
    recordSpan: useCase("Ledger.recordSpan", (input, options) => Effect.map(recordSpanWithControl(input, options), ({ span }) => span)),

    recordSpans: useCase("Ledger.recordSpans", (inputs, options) =>
      fromEither(validateSpanBatch(inputs)).pipe(
        Effect.zipRight(storedForm(inputs, options)),
        Effect.flatMap((request) =>
          outside.settle((answers) =>
            work.ingest(
              {
                operation: options?.reported === "completed" ? "agent_span.report_many" : "agent_span.create_many",
                request,
                answer: RecordedSpans,
                options,
                callers: "any token",
                runs: runsOf
              },
              (tx) => Effect.map(recordAll(tx, inputs, answers, options?.reported), ({ spans }) => spans)
            )
          )
        ),
        Effect.tap(remember)
      )),

    finishSpanWithControl: useCase("Ledger.finishSpan", finishSpanWithControl),
    finishSpan: useCase("Ledger.finishSpan", (id, input, options) => Effect.map(finishSpanWithControl(id, input, options), ({ span }) => span))
  }
}
