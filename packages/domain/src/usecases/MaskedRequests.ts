/**
 * Span requests as they will be stored, for an idempotency key's record. A key's record keeps the
 * request's fingerprint (`Idempotency`); were it the fingerprint of what the client sent, a
 * masked field would reach the store hashed, and a hash of a short secret (a PIN, an SSN) is
 * found by trying them all. So a keyed span create or finish is fingerprinted as masking will
 * store it: the masker and the span type's declaration are read first (one read, on the keyed
 * path only, and only when the account masks something or the client said `sensitive_encoding`).
 *
 * When the declaration cannot be read (the run or span is not there: the unit of work will then
 * refuse the request anyway), the request is masked as if its type declared every masked
 * category: a fingerprint may then mask more than the span will, never less.
 */
import { DateTime, Effect, Option, Schema } from "effect"
import type * as Commands from "../Commands.js"
import { categories, DataCategories, type DataRisk } from "../DataRisk.js"
import type { InstanceId, SpanId } from "../Ids.js"
import type { Instance } from "../Instance.js"
import type { StoreTx } from "../LedgerStore.js"
import * as Masking from "../Masking.js"
import type { Session } from "./Session.js"
import { maskerOf } from "./MaskingPolicies.js"

/** The key of a run's context in `Shared.runContexts`: its schema version under its profile revision. */
export const runContextKey = (instance: Pick<Instance, "agent_schema_version_id" | "risk_profile_revision_id">): string =>
  `${instance.agent_schema_version_id}:${instance.risk_profile_revision_id ?? ""}`

/** A declaration that includes every category: what masks the most. */
const everyCategory: DataCategories = Schema.decodeSync(DataCategories)(Object.fromEntries(categories.map((c) => [c, "included"])))
const everyCategoryRisk = { params_data_categories: everyCategory, result_data_categories: everyCategory }

type Declared = Pick<DataRisk, "params_data_categories" | "result_data_categories">

/** The stored forms of keyed span requests, for one session. */
export const make = ({ account, load, shared, work }: Session) => {
  /** The data declaration of a span type in a run, or the widest one when it cannot be read. */
  const declarationOf = (tx: StoreTx, instance: Instance, name: string): Effect.Effect<Declared | undefined> => {
    const cached = shared.runContexts.get(runContextKey(instance))
    if (cached !== undefined) return Effect.succeed(cached.types.get(name)?.data_risk)
    return tx.schemaVersions.get(instance.agent_schema_version_id).pipe(
      Effect.map(Option.match({
        onNone: (): Declared | undefined => everyCategoryRisk,
        onSome: (version) => Object.hasOwn(version.span_type_schemas, name) ? version.span_type_schemas[name]?.data_risk : undefined
      }))
    )
  }

  const runDeclaration = (tx: StoreTx, instanceId: InstanceId | null, name: string, masker: Masking.Masker) => {
    // Field names need no declaration: only categories do.
    if (masker.categories.length === 0) return Effect.succeed(undefined)
    if (instanceId === null) return Effect.succeed(everyCategoryRisk)
    return load.instance(tx, instanceId).pipe(
      Effect.flatMap((instance) => declarationOf(tx, instance, name)),
      Effect.orElseSucceed((): Declared | undefined => everyCategoryRisk)
    )
  }

  /** `body` in a read, with the account's masker. */
  const read = <A>(body: (tx: StoreTx, masker: Masking.Masker) => Effect.Effect<A>) =>
    Effect.flatMap(shared.now, (at) =>
      work.read((tx) => Effect.flatMap(maskerOf(shared, tx, at), (masker) => body(tx, masker)), { callers: "any token" }))

  /** Whether the account's cached policy is off: then a request that does not say `sensitive_encoding: true` needs no read. */
  const knownOff = Effect.map(shared.now, (at) => shared.maskers.get(account, DateTime.toEpochMillis(at))?.on === false)

  /** Span creates as masking will store them, under this masker. */
  const maskCreates = (tx: StoreTx, masker: Masking.Masker, inputs: ReadonlyArray<Commands.CreateSpan>) =>
    Effect.forEach(inputs, (input) =>
      Effect.map(runDeclaration(tx, input.agent_instance_id, input.schema_name, masker), (declared): Commands.CreateSpan => {
        const sensitive = input.sensitive_encoding
        const result = input.result_payload
        return {
          ...input,
          payload: Masking.mask(input.payload, masker, declared?.params_data_categories, sensitive),
          ...(result === undefined || result === null
            ? {}
            : { result_payload: Masking.mask(result, masker, declared?.result_data_categories, sensitive) })
        }
      }))

  const saysSensitive = (inputs: ReadonlyArray<Commands.CreateSpan>) => inputs.some((input) => input.sensitive_encoding === true)

  return {
    /** Span creates as they will be stored. */
    creates: (inputs: ReadonlyArray<Commands.CreateSpan>): Effect.Effect<ReadonlyArray<Commands.CreateSpan>> =>
      Effect.flatMap(knownOff, (off) =>
        off && !saysSensitive(inputs)
          ? Effect.succeed(inputs)
          : read((tx, masker) => !masker.on && !saysSensitive(inputs) ? Effect.succeed(inputs) : maskCreates(tx, masker, inputs))),

    /** A span finish as it will be stored (a span recorded sensitive stays so: `Masking.sensitiveOf`). */
    finish: (id: SpanId, input: Commands.FinishSpan): Effect.Effect<Commands.FinishSpan> => {
      const result = input.result_payload
      if (result === undefined || result === null) return Effect.succeed(input)
      return read((tx, masker) =>
        load.span(tx, id).pipe(
          Effect.flatMap((span) => {
            const sensitive = Masking.sensitiveOf(span.sensitive_encoding, input.sensitive_encoding)
            if (!masker.on && sensitive !== true) return Effect.succeed(result)
            return Effect.map(runDeclaration(tx, span.agent_instance_id, span.schema_name, masker), (declared) =>
              Masking.mask(result, masker, declared?.result_data_categories, sensitive))
          }),
          Effect.orElseSucceed(() => Masking.mask(result, masker, everyCategory, true)),
          Effect.map((masked) => masked === result ? input : { ...input, result_payload: masked })
        ))
    }
  }
}
