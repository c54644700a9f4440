/**
 * Recording quality on a run (`Quality`): under the run's lock, once per idempotency key, by any
 * token that reaches the run (a deployment token, its own agent's runs). It is the agent
 * reporting, like a span, so it is ingest (`Mutation.ingest`): no audit event.
 *
 * The payload is masked as the account's policy masks span payloads by field name before it is
 * measured and kept; a keyed request's record is fingerprinted on that masked form, so no hash of
 * a masked value reaches the store (`MaskedRequests` says why).
 */
import { Effect } from "effect"
import type * as Commands from "../Commands.js"
import type * as Ids from "../Ids.js"
import * as Instance from "../Instance.js"
import type { JsonObject } from "../Json.js"
import type { LedgerSession } from "../Ledger.js"
import * as Masking from "../Masking.js"
import * as Quality from "../Quality.js"
import { maskerOf } from "./MaskingPolicies.js"
import type { Session } from "./Session.js"
import { fromEither } from "./Shared.js"
import { useCase } from "./Tracing.js"

/** A payload as a quality name keeps it: masked by the policy's field names (no category is declared for it). */
const maskedPayload = (payload: JsonObject | null, masker: Masking.Masker): JsonObject | null =>
  payload === null ? null : Masking.mask(payload, masker, undefined, null)

export const make = ({ load, shared, work }: Session): Pick<LedgerSession, "recordQuality"> => {
  /** The input as it will be kept: masked under a key (its record's fingerprint), as sent without one. */
  const storedForm = (input: Commands.RecordQuality, options: Commands.MutationOptions | undefined) =>
    options?.idempotencyKey === undefined || input.payload === null
      ? Effect.succeed(input)
      : Effect.flatMap(shared.now, (at) =>
        work.read((tx) => maskerOf(shared, tx, at), { callers: "any token" }).pipe(
          Effect.map((masker): Commands.RecordQuality => ({ name: input.name, payload: maskedPayload(input.payload, masker) }))
        ))

  return {
    recordQuality: useCase("Ledger.recordQuality", (id: Ids.InstanceId, input: Commands.RecordQuality, options?: Commands.MutationOptions) =>
      Effect.flatMap(storedForm(input, options), (request) =>
        work.mutate(
          {
            operation: "agent_instance.record_quality",
            request: { id, input: request },
            answer: Instance.Instance,
            options,
            callers: "any token",
            ingest: true,
            runs: (run) => [run.id]
          },
          (tx) =>
            Effect.gen(function*() {
              const at = yield* shared.now
              const instance = yield* load.lockInstance(tx, id)
              const masker = yield* maskerOf(shared, tx, at)
              const kept = { name: input.name, payload: maskedPayload(input.payload, masker) }
              const next = yield* fromEither(Quality.record(instance, kept, at))
              if (next !== instance) yield* tx.instances.writeQuality(next)
              return next
            })
        )))
  }
}
