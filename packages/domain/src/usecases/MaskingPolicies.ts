/**
 * The masking policy of an account: read and replaced by account tokens (`masking_policy.update`,
 * audited with the policy before and after: names and categories, never span data), and read by ingest through a per-account cache (`maskerOf`, `MaskingCache`). A change forgets
 * this process's cached policy once its unit of work has committed, so the next span recorded
 * here is masked by it; other processes read it within the cache's lifetime.
 */
import { DateTime, Effect, Option } from "effect"
import type { LedgerSession } from "../Ledger.js"
import type { StoreTx } from "../LedgerStore.js"
import * as Masking from "../Masking.js"
import * as MaskingPolicy from "../MaskingPolicy.js"
import type { Session } from "./Session.js"
import { fromEither, type Shared } from "./Shared.js"
import { useCase } from "./Tracing.js"

/** The account's policy prepared for ingest: from this process's cache, else read in `tx`. */
export const maskerOf = (shared: Shared, tx: StoreTx, at: DateTime.Utc): Effect.Effect<Masking.Masker> => {
  const now = DateTime.toEpochMillis(at)
  const hit = shared.maskers.get(tx.account_id, now)
  if (hit !== undefined) return Effect.succeed(hit)
  const ticket = shared.maskers.ticket()
  return Effect.map(tx.maskingPolicy.get(), (policy) =>
    shared.maskers.set(
      tx.account_id,
      Option.match(policy, { onNone: () => Masking.none, onSome: Masking.prepare }),
      now,
      ticket
    ))
}

export const make = ({ account, shared, work }: Session): Pick<LedgerSession, "getMaskingPolicy" | "updateMaskingPolicy"> => ({
  getMaskingPolicy: useCase("Ledger.getMaskingPolicy", () =>
    work.read((tx) => Effect.map(tx.maskingPolicy.get(), Option.getOrElse(() => MaskingPolicy.defaultPolicy(account))))),

  updateMaskingPolicy: useCase("Ledger.updateMaskingPolicy", (input, options) =>
    work.mutate(
      {
        operation: "masking_policy.update",
        request: input,
        answer: MaskingPolicy.MaskingPolicy,
        options,
        // One policy per account: the account names it.
        subject: (policy) => policy.account_id
      },
      (tx, trail) =>
        Effect.gen(function*() {
          const rules = yield* fromEither(MaskingPolicy.validate(input))
          const current = Option.getOrElse(yield* tx.maskingPolicy.get(), () => MaskingPolicy.defaultPolicy(account))
          yield* trail.before(MaskingPolicy.MaskingPolicy, current)
          const policy: MaskingPolicy.MaskingPolicy = { account_id: account, ...rules, updated_at: yield* shared.now }
          yield* tx.maskingPolicy.put(policy)
          return policy
        })
    ).pipe(Effect.tap(() => shared.maskers.forget(account))))
})
