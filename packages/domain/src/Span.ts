/**
 * Spans: the steps of a run. A span belongs to exactly one instance; its parent, when it has
 * one, is a span of the same instance (so the spans of a run form a tree). It may be created in
 * any status; `result_payload` and `finished_at` only with a terminal one. Finishing a terminal
 * span is `invalid_action` (the SDK relies on that answer). Each span records its conformance
 * and the risk points it added to its instance.
 *
 * A terminated run still takes the spans its agent reports until the agent hears it was stopped
 * (`Control`): each is decided and scored as any other (the agent did it) and kept closed — an
 * open one `terminated` at once, as the termination closed the others —, and the run stays
 * terminated. A finish of a span the termination closed answers the span as it stands. Runs the
 * agent itself finished (complete, failed, cancelled) refuse new spans, as does a redacted run.
 *
 * `recordSpan`, `finishSpan` and `terminateOpenSpans` are the decisions: given the instance and
 * the span, what is recorded, what is flagged and what the instance's counts and risk become.
 */
import { DateTime, Either, Schema } from "effect"
import type { SpanTypeDefinitions } from "./ActivitySchema.js"
import { type DataRisk, unknownDataRisk } from "./DataRisk.js"
import { checkSpan, checkType, type CompiledActivitySchema, type CompiledType, isFlagged, type Offloaded, SpanConformance } from "./Conformance.js"
import { Timestamp } from "./Timestamp.js"
import { refuseRedacted } from "./Erasure.js"
import { isStopped } from "./Control.js"
import { Conflict, InvalidAction, InvalidInput } from "./Errors.js"
import { AccountId, AgentId, InstanceId, SpanId } from "./Ids.js"
import { admitSpan, type ConformanceCounts, type Instance } from "./Instance.js"
import { JsonObject } from "./Json.js"
import * as Masking from "./Masking.js"
import * as ReportedSpans from "./ReportedSpans.js"
import { addPoints, counts, type InstanceRisk, pointsFor, removePoints, type ScoringTable } from "./Risk.js"
import type { Thresholds } from "./RiskProfile.js"
import { countAdded, countMoved, type FinishStatus, isTerminal, Status } from "./Status.js"

/** A plain record, not a class: one is built per span (docs/decisions.md, "Speed"). */
export const Span = Schema.Struct({
  id: SpanId,
  account_id: AccountId,
  agent_id: AgentId,
  agent_instance_id: InstanceId,
  parent_span_id: Schema.NullOr(SpanId),
  schema_name: Schema.String,
  schema_title: Schema.String,
  status: Status,
  payload: JsonObject,
  result_payload: Schema.NullOr(JsonObject),
  /**
   * Whether the client said the span's data is sensitive (`Masking`): true once its create or
   * its finish said so; null when neither said anything (clients before the flag).
   */
  sensitive_encoding: Schema.NullOr(Schema.Boolean),
  summary: Schema.NullOr(Schema.String),
  started_at: Schema.DateTimeUtc,
  finished_at: Schema.NullOr(Schema.DateTimeUtc),
  conformance: SpanConformance,
  /** What this span adds to its instance's risk total, in hundredths (0 once cancelled). */
  risk_points: Schema.Int,
  /** 1, 2, 3… in order of creation within the instance: the timeline's tie-break. */
  sequence: Schema.Int,
  inserted_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
}).annotations({ identifier: "Span" })
export type Span = typeof Span.Type

/** A span as a client reports it. */
export const SpanInput = Schema.Struct({
  schema_name: Schema.String,
  status: Status,
  payload: Schema.optionalWith(JsonObject, { default: () => ({}), exact: true }),
  result_payload: Schema.optional(Schema.NullOr(JsonObject)),
  parent_span_id: Schema.optional(Schema.NullOr(SpanId)),
  started_at: Schema.optional(Schema.NullOr(Timestamp)),
  finished_at: Schema.optional(Schema.NullOr(Timestamp)),
  /** The newer SDKs' flag: true asks for the built-in secret names to be masked too (`Masking`). */
  sensitive_encoding: Schema.optional(Schema.NullOr(Schema.Boolean))
}).annotations({ identifier: "SpanInput" })
export type SpanInput = typeof SpanInput.Type

export const SpanFinishInput = Schema.Struct({
  status: Schema.optionalWith(Schema.Literal("complete", "failed", "cancelled"), { default: () => "complete" as const, exact: true }),
  result_payload: Schema.optional(Schema.NullOr(JsonObject)),
  timestamp: Schema.optional(Schema.NullOr(Timestamp)),
  sensitive_encoding: Schema.optional(Schema.NullOr(Schema.Boolean))
}).annotations({ identifier: "SpanFinishInput" })
export type SpanFinishInput = typeof SpanFinishInput.Type

/**
 * One span type of a run: its compiled definitions, display title, points and data declaration
 * (what masking reads), found in one lookup.
 */
export interface RunType extends CompiledType {
  readonly title: string
  readonly points: number
  readonly data_risk: DataRisk
}

/** What a span decision needs to know about its run, prepared once per instance. */
export interface RunContext {
  readonly schema: CompiledActivitySchema
  readonly types: ReadonlyMap<string, RunType>
  /** Null when the agent has no profile: the run carries no score. */
  readonly scoring: { readonly table: ScoringTable; readonly thresholds: Thresholds } | null
}

/** The run context of a schema version (compiled) under a profile revision's rules, or none. */
export const runContext = (
  definitions: SpanTypeDefinitions,
  schema: CompiledActivitySchema,
  scoring: { readonly table: ScoringTable; readonly thresholds: Thresholds } | null
): RunContext => {
  const types = new Map<string, RunType>()
  for (const [name, compiled] of schema.types) {
    const definition = Object.hasOwn(definitions, name) ? definitions[name] : undefined
    types.set(name, {
      params: compiled.params,
      result: compiled.result,
      title: definition?.title ?? name,
      points: scoring === null ? 0 : pointsFor(scoring.table, name),
      data_risk: definition?.data_risk ?? unknownDataRisk
    })
  }
  return { schema, types, scoring }
}

export interface SpanDecision {
  readonly conformance: SpanConformance
  readonly flagged: boolean
  readonly points: number
  readonly risk: InstanceRisk | null
}

/**
 * The heart of ingest: conformance of payload and result, and the risk increment. O(1) in the
 * size of the run.
 */
export const decideSpan = (
  context: RunContext,
  risk: InstanceRisk | null,
  schemaName: string,
  payload: unknown,
  resultPayload: unknown,
  status: Status,
  /** Verdicts of checks past the inline budget, reached elsewhere. */
  offloaded?: Offloaded
): SpanDecision => {
  const type = context.types.get(schemaName)
  const conformance = checkType(type, payload, resultPayload, status, offloaded)
  const flagged = isFlagged(conformance)
  const scoring = context.scoring
  if (scoring === null || risk === null || type === undefined || type.points === 0 || !counts(status)) {
    return { conformance, flagged, points: 0, risk }
  }
  return { conformance, flagged, points: type.points, risk: addPoints(risk, type.points, scoring.thresholds) }
}

export const maxSchemaNameLength = 200

const countConformance = (counts: ConformanceCounts, flagged: boolean): ConformanceCounts =>
  flagged ? { conforms: counts.conforms, flagged: counts.flagged + 1 } : { conforms: counts.conforms + 1, flagged: counts.flagged }

const recountConformance = (counts: ConformanceCounts, was: boolean, is: boolean): ConformanceCounts =>
  was === is ? counts : is
    ? { conforms: counts.conforms - 1, flagged: counts.flagged + 1 }
    : { conforms: counts.conforms + 1, flagged: counts.flagged - 1 }

/** Checks that need nothing but the input. */
export const validateSpanInput = (input: SpanInput): Either.Either<SpanInput, InvalidInput> => {
  if (input.schema_name.length === 0 || input.schema_name.length > maxSchemaNameLength) {
    return Either.left(InvalidInput.field("schema_name", `must be 1–${maxSchemaNameLength} characters`))
  }
  if (!isTerminal(input.status) && input.result_payload !== undefined && input.result_payload !== null) {
    return Either.left(InvalidInput.field("result_payload", "is only accepted with a terminal status"))
  }
  if (!isTerminal(input.status) && input.finished_at !== undefined && input.finished_at !== null) {
    return Either.left(InvalidInput.field("finished_at", "is only accepted with a terminal status"))
  }
  return Either.right(input)
}

/** The run a new span is recorded on: a span is recorded only on a registered run. */
export const runOf = (input: { readonly agent_instance_id: InstanceId | null }): Either.Either<InstanceId, InvalidInput> =>
  input.agent_instance_id === null
    ? Either.left(InvalidInput.field("agent_instance_id", "is required (the run was not registered)"))
    : Either.right(input.agent_instance_id)

/** Every span of a batch is new: an id the batch already holds (`batch`) is recorded once, not twice. */
export const checkNewInBatch = (batch: ReadonlyMap<string, unknown>, id: SpanId): Either.Either<SpanId, Conflict> =>
  batch.has(id) ? Either.left(new Conflict({ message: `span ${id} appears twice in the batch` })) : Either.right(id)

export interface Recorded {
  readonly span: Span
  readonly instance: Instance
}

/** What never changes about a span once recorded: whose it is. Enough to be a span's parent. */
export type SpanOwner = Pick<Span, "id" | "agent_id" | "agent_instance_id">

/**
 * Records a new span on an instance. `parent` is the span named by `parent_span_id`, already
 * looked up in the caller's account (the caller answers not-found when there is none, unless
 * the span is reported after it completed: then `awaitedParent` names a parent that has not
 * arrived yet, `ReportedSpans`). The span is decided on what the client sent and stored as
 * `masking` masks it (`Masking.mask`).
 */
export const recordSpan = (args: {
  readonly instance: Instance
  readonly input: SpanInput
  readonly parent: SpanOwner | null
  readonly context: RunContext
  readonly id: SpanId
  readonly now: DateTime.Utc
  /** Verdicts of checks past the inline budget, reached elsewhere. */
  readonly offloaded?: Offloaded | undefined
  /** The account's masking policy (default: none). */
  readonly masking?: Masking.Masker | undefined
  /** `"completed"`: the span is reported after it completed (`ReportedSpans`). */
  readonly reported?: ReportedSpans.Reporting | undefined
  /** With `reported`, the parent the span names that has not arrived yet (`ReportedSpans.awaitedParent`). */
  readonly awaitedParent?: SpanId | null | undefined
}): Either.Either<Recorded, InvalidAction | InvalidInput> => {
  const { context, id, input, now, parent } = args
  // Imperative on purpose: this runs once per span, and a generator costs more than the decision.
  const invalid = validateSpanInput(input)
  if (Either.isLeft(invalid)) return Either.left(invalid.left)
  if (args.instance.redacted_at !== null) {
    // A redacted run's data was erased and must stay so: it takes nothing new.
    return Either.left(new InvalidAction({ entity: "agent_instance", id: args.instance.id, action: "record a span on (it is redacted)", status: args.instance.status }))
  }
  // A span reported to a terminated run is kept, closed as the termination closed the others:
  // the agent learns it was stopped from this span's answer (`Control`), and the ledger keeps what
  // it did. Spans reported after they completed (OTLP) keep their own rules (`ReportedSpans`).
  const completed = args.reported === "completed"
  const late = !completed && isStopped(args.instance)
  let admission: Either.Either<Instance, InvalidAction | InvalidInput>
  if (completed) {
    const times = ReportedSpans.validate(input)
    admission = Either.isLeft(times) ? Either.left(times.left) : ReportedSpans.admit(args.instance, times.right, now)
  } else {
    admission = late ? Either.right(args.instance) : admitSpan(args.instance, now)
  }
  if (Either.isLeft(admission)) return Either.left(admission.left)
  const admitted = admission.right
  if (parent !== null && parent.agent_instance_id !== admitted.id) {
    return Either.left(InvalidInput.field("parent_span_id", "must be a span of the same instance"))
  }
  const resultPayload = input.result_payload ?? null
  const decision = decideSpan(context, admitted.risk, input.schema_name, input.payload, resultPayload, input.status, args.offloaded)
  const status: Status = late && !isTerminal(input.status) ? "terminated" : input.status
  const masking = args.masking ?? Masking.none
  const sensitive = input.sensitive_encoding ?? null
  const declared = context.types.get(input.schema_name)?.data_risk
  const span: Span = {
    id,
    account_id: admitted.account_id,
    agent_id: admitted.agent_id,
    agent_instance_id: admitted.id,
    parent_span_id: parent?.id ?? (args.reported === "completed" ? args.awaitedParent ?? null : null),
    schema_name: input.schema_name,
    schema_title: context.types.get(input.schema_name)?.title ?? input.schema_name,
    status,
    payload: Masking.mask(input.payload, masking, declared?.params_data_categories, sensitive),
    result_payload: resultPayload === null ? null : Masking.mask(resultPayload, masking, declared?.result_data_categories, sensitive),
    sensitive_encoding: sensitive,
    summary: null,
    started_at: input.started_at ?? now,
    finished_at: isTerminal(input.status) ? input.finished_at ?? now : status === "terminated" ? now : null,
    conformance: decision.conformance,
    risk_points: decision.points,
    sequence: admitted.span_counts.total + 1,
    inserted_at: now,
    updated_at: now
  }
  const instance: Instance = {
    ...admitted,
    span_counts: countAdded(admitted.span_counts, status),
    conformance_counts: countConformance(admitted.conformance_counts, decision.flagged),
    risk: decision.risk,
    updated_at: now
  }
  return Either.right({ span, instance })
}

/**
 * Finishes an open span: `pending | active → complete | failed | cancelled`. The result is
 * checked now that there is one, then stored as `masking` masks it; a finish that first says
 * `sensitive_encoding: true` masks the stored payload's secret names too. A cancelled span's
 * points leave its instance's total.
 */
export const finishSpan = (args: {
  readonly span: Span
  readonly instance: Instance
  readonly input: SpanFinishInput
  readonly context: RunContext
  readonly now: DateTime.Utc
  /** The verdict of a result check past the inline budget, reached elsewhere. */
  readonly offloaded?: Offloaded | undefined
  /** The account's masking policy (default: none). */
  readonly masking?: Masking.Masker | undefined
}): Either.Either<Recorded, InvalidAction> => {
  const { context, input, instance, now, span } = args
  // A span its run's termination closed, finished by an agent that has not heard yet: answered as
  // it stands (the answer's `Control` tells the agent), changing nothing.
  if (span.status === "terminated" && isStopped(instance) && instance.redacted_at === null) return Either.right({ span, instance })
  if (isTerminal(span.status)) {
    return Either.left(new InvalidAction({ entity: "agent_span", id: span.id, action: "finish", status: span.status }))
  }
  const redacted = refuseRedacted(instance, span)
  if (redacted !== null) return Either.left(redacted)
  const status: FinishStatus = input.status
  const resultPayload = input.result_payload ?? span.result_payload
  // The payload was checked when the span was recorded; only the result is new.
  const checked = checkSpan(context.schema, span.schema_name, span.payload, resultPayload, status, {
    payload: { status: "conforms", errors: [] },
    result: args.offloaded?.result
  })
  const conformance: SpanConformance = {
    payload: span.conformance.payload,
    result: checked.result,
    errors: [...span.conformance.errors, ...checked.errors.filter((e) => e.target === "result")].slice(0, 20)
  }
  const masking = args.masking ?? Masking.none
  const sensitive = Masking.sensitiveOf(span.sensitive_encoding, input.sensitive_encoding)
  const declared = context.types.get(span.schema_name)?.data_risk
  // Masking is idempotent: a payload masked at create masks to itself, and only gains the secret names.
  const payload = sensitive === true && span.sensitive_encoding !== true
    ? Masking.mask(span.payload, masking, declared?.params_data_categories, true)
    : span.payload
  let risk = instance.risk
  let points = span.risk_points
  if (status === "cancelled" && context.scoring !== null && risk !== null && points !== 0) {
    risk = removePoints(risk, points, context.scoring.thresholds)
    points = 0
  }
  return Either.right({
    span: {
      ...span,
      status,
      payload,
      result_payload: resultPayload === null ? null : Masking.mask(resultPayload, masking, declared?.result_data_categories, sensitive),
      sensitive_encoding: sensitive,
      finished_at: input.timestamp ?? now,
      conformance,
      risk_points: points,
      updated_at: now
    },
    instance: {
      ...instance,
      span_counts: countMoved(instance.span_counts, span.status, status),
      conformance_counts: recountConformance(instance.conformance_counts, isFlagged(span.conformance), isFlagged(conformance)),
      risk,
      updated_at: now
    }
  })
}

/** When an instance is terminated, its open spans become `terminated` (their points stay). */
export const terminateOpenSpans = (
  instance: Instance,
  spans: ReadonlyArray<Span>,
  now: DateTime.Utc
): { readonly instance: Instance; readonly spans: ReadonlyArray<Span> } => {
  let span_counts = instance.span_counts
  const closed: Array<Span> = []
  for (const span of spans) {
    if (span.agent_instance_id !== instance.id || isTerminal(span.status)) continue
    span_counts = countMoved(span_counts, span.status, "terminated")
    closed.push({ ...span, status: "terminated", finished_at: now, updated_at: now })
  }
  return { instance: { ...instance, span_counts, updated_at: now }, spans: closed }
}
