/**
 * Quality payloads: what an agent (or its evaluator) reports about how well a run went, each
 * under a name (`POST /agent_instance/{id}/record_quality {name, payload}`), kept on the run.
 *
 * A name holds its latest payload: recording a name again replaces what it held, and a null
 * payload removes the name (the Prefactor SDKs' meaning). Other names are left as they are. A run
 * keeps at most `maxNames` names and `maxChars` characters of them as JSON, so a run's record
 * stays small enough to be read with every span; a recording past either is refused as bad input
 * and changes nothing. Payloads are masked as the account's policy masks span payloads by field
 * name (a quality name declares no data categories), before they are measured and kept.
 *
 * Recording quality is the agent reporting, like a span: it is taken in any status (a run is
 * often judged after it ended), but not on a redacted run, whose data must stay erased.
 */
import { type DateTime, Either, Schema } from "effect"
import { InvalidAction, InvalidInput } from "./Errors.js"
import type { Instance } from "./Instance.js"
import { JsonObject, OwnRecord } from "./Json.js"

/** A run's quality payloads by name. */
export const QualityPayloads = OwnRecord(JsonObject).annotations({ identifier: "QualityPayloads" })
export type QualityPayloads = typeof QualityPayloads.Type

/** No quality recorded. */
export const noQuality: QualityPayloads = {}

/** `{name, payload}`: a payload to keep under a name, or null to remove the name. */
export const RecordQuality = Schema.Struct({
  name: Schema.String,
  payload: Schema.NullOr(JsonObject)
}).annotations({ identifier: "RecordQuality" })
export type RecordQuality = typeof RecordQuality.Type

export const maxNameLength = 200
/** The most names a run keeps. */
export const maxNames = 16
/** The most characters a run's quality payloads take as JSON (`JSON.stringify` of the map). */
export const maxChars = 32_768

/** The map with `name` set to `payload`, or without `name` when the payload is null. */
const withName = (payloads: QualityPayloads, name: string, payload: JsonObject | null): QualityPayloads => {
  if (payload !== null) return { ...payloads, [name]: payload }
  return Object.fromEntries(Object.entries(payloads).filter(([key]) => key !== name))
}

/** Checks a recording that needs nothing but the input. */
export const validate = (input: RecordQuality): Either.Either<RecordQuality, InvalidInput> =>
  input.name.trim().length === 0 || input.name.length > maxNameLength
    ? Either.left(InvalidInput.field("name", `must be 1–${maxNameLength} characters, not only spaces`))
    : Either.right(input)

/**
 * The run with the recording applied (the run itself when it changes nothing: a removal of a
 * name it does not hold), or why not. `payload` is the payload as it is to be kept (masked).
 */
export const record = (
  instance: Instance,
  input: RecordQuality,
  at: DateTime.Utc
): Either.Either<Instance, InvalidInput | InvalidAction> => {
  const valid = validate(input)
  if (Either.isLeft(valid)) return Either.left(valid.left)
  if (instance.redacted_at !== null) {
    return Either.left(new InvalidAction({ entity: "agent_instance", id: instance.id, action: "record quality on (it is redacted)", status: instance.status }))
  }
  const held = Object.hasOwn(instance.quality_payloads, input.name)
  if (input.payload === null && !held) return Either.right(instance)
  const payloads = withName(instance.quality_payloads, input.name, input.payload)
  if (Object.keys(payloads).length > maxNames) {
    return Either.left(InvalidInput.field("name", `the run already holds ${maxNames} quality names, the most it keeps`))
  }
  const chars = JSON.stringify(payloads).length
  if (chars > maxChars) {
    return Either.left(InvalidInput.field("payload", `the run's quality payloads would take ${chars} characters as JSON; a run keeps at most ${maxChars}`))
  }
  return Either.right({ ...instance, quality_payloads: payloads, updated_at: at })
}

/** What a redaction leaves of a run's quality payloads: its names, each holding `marker`. */
export const redacted = (payloads: QualityPayloads, marker: JsonObject): QualityPayloads =>
  Object.fromEntries(Object.keys(payloads).map((name) => [name, marker]))
