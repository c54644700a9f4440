/**
 * The retention policy's use cases: read the account's policy (every run kept until one is set)
 * and set it, replacing the one before. Account tokens only. An override must name an
 * environment of the account; the server's retention job applies the policy (`Retention.ts`).
 */
import { Effect, Option } from "effect"
import { InvalidInput } from "../Errors.js"
import type { LedgerSession } from "../Ledger.js"
import * as Retention from "../Retention.js"
import type { Session } from "./Session.js"
import { fromEither } from "./Shared.js"
import { useCase } from "./Tracing.js"

type RetentionPolicyUseCases = Pick<LedgerSession, "getRetentionPolicy" | "updateRetentionPolicy">

export const make = ({ account, shared, work }: Session): RetentionPolicyUseCases => ({
  getRetentionPolicy: useCase("Ledger.getRetentionPolicy", () =>
    work.read((tx) => Effect.map(tx.retention.get, Option.getOrElse(() => Retention.keepForever(account))))),

  updateRetentionPolicy: useCase("Ledger.updateRetentionPolicy", (input, options) =>
    work.mutate({
      operation: "retention_policy.update",
      request: input,
      answer: Retention.RetentionPolicy,
      options,
      subject: (policy) => policy.account_id
    }, (tx, trail) =>
      Effect.gen(function*() {
        const policy = yield* fromEither(Retention.update(account, input, yield* shared.now))
        yield* trail.before(Retention.RetentionPolicy, Option.getOrElse(yield* tx.retention.get, () => Retention.keepForever(account)))
        for (const [index, override] of policy.environments.entries()) {
          if (Option.isNone(yield* tx.environments.get(override.environment_id))) {
            return yield* InvalidInput.field(`environments.${index}.environment_id`, "names no environment of the account")
          }
        }
        yield* tx.retention.put(policy)
        return policy
      })))
})
