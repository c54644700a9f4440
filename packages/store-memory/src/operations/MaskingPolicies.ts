/** `StoreTx.maskingPolicy` in memory: the account's one policy, replaced whole. */
import type { StoreTx } from "@agentledger/domain"
import { Effect, Option } from "effect"
import type { Scope } from "../State.js"

export const maskingPolicy = ({ data, journal }: Scope): StoreTx["maskingPolicy"] => ({
  get: () => Effect.sync(() => Option.fromNullable(data.maskingPolicy)),
  put: (policy) =>
    Effect.sync(() => {
      const previous = data.maskingPolicy
      data.maskingPolicy = policy
      journal(() => {
        data.maskingPolicy = previous
      })
    })
})
