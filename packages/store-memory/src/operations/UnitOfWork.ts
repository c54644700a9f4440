/**
 * Units of work in memory. A unit holds its account's lock (a one-holder `Mutex`) from first
 * read to last write, so units in one account are serializable; accounts never wait for each
 * other. Writes apply at once and journal their inverse; a unit that fails or is interrupted
 * replays its journal backwards, so it leaves nothing behind. Reads take the same lock, so they
 * never see a unit that may still roll back.
 */
import { type Ids, type StoreTx, UniqueViolation } from "@agentledger/domain"
import { Effect, Exit } from "effect"
import { Mutex } from "../Mutex.js"
import { type AccountData, dataOf, type MemoryState, type Scope } from "../State.js"
import { agents } from "./Agents.js"
import { audit } from "./Audit.js"
import { deployments } from "./Deployments.js"
import { environments } from "./Environments.js"
import { erasure, retention } from "./Erasure.js"
import { idempotency } from "./Idempotency.js"
import { instances } from "./Instances.js"
import { maskingPolicy } from "./MaskingPolicies.js"
import { riskProfiles } from "./RiskProfiles.js"
import { spans } from "./Spans.js"
import { tokens } from "./Tokens.js"
import { schemaVersions, versions } from "./Versions.js"

/** The account's operations, writing to the journal of whichever unit holds the account. */
const storeTx = (state: MemoryState, account: Ids.AccountId, data: AccountData): StoreTx => {
  const scope: Scope = {
    state,
    account,
    data,
    journal: (undo) => {
      if (data.undo === null) throw new Error("a read tried to write")
      data.undo.push(undo)
    }
  }
  return {
    account_id: account,
    exclusive: (name) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.suspend(() => {
          if (data.undo === null) return Effect.dieMessage("a read asked for an exclusive turn")
          const turn = state.turns.get(name) ?? new Mutex()
          state.turns.set(name, turn)
          return restore(turn.acquire).pipe(
            // Once taken, the turn's release is registered before anything can interrupt.
            Effect.tap(() => {
              data.turns.push(() => {
                turn.release()
                if (!turn.busy) state.turns.delete(name)
              })
            })
          )
        })
      ),
    accounts: {
      insert: (row) =>
        Effect.suspend(() => {
          if (state.accounts.has(row.id)) return Effect.fail(new UniqueViolation({ constraint: "account_pkey" }))
          state.accounts.set(row.id, row)
          scope.journal(() => state.accounts.delete(row.id))
          return Effect.void
        })
    },
    environments: environments(scope),
    tokens: tokens(scope),
    agents: agents(scope),
    schemaVersions: schemaVersions(scope),
    versions: versions(scope),
    deployments: deployments(scope),
    instances: instances(scope),
    spans: spans(scope),
    riskProfiles: riskProfiles(scope),
    audit: audit(scope),
    idempotency: idempotency(scope),
    erasure: erasure(scope),
    retention: retention(scope),
    maskingPolicy: maskingPolicy(scope)
  }
}

/** The account's StoreTx, built once: units of work only swap the journal's log. */
const txOf = (state: MemoryState, account: Ids.AccountId, data: AccountData): StoreTx =>
  data.tx ??= storeTx(state, account, data)

const rollback = (undo: ReadonlyArray<() => void>) => {
  for (let i = undo.length - 1; i >= 0; i--) undo[i]?.()
}

/** One unit of work: the account's lock held, every write undone if the work fails. */
export const transact = <A, E, R>(state: MemoryState, account: Ids.AccountId, work: (tx: StoreTx) => Effect.Effect<A, E, R>) =>
  Effect.suspend(() => {
    const data = dataOf(state, account)
    const undo: Array<() => void> = []
    return data.lock.with(
      Effect.suspend(() => {
        data.undo = undo
        return work(txOf(state, account, data))
      }),
      (exit) => {
        data.undo = null
        if (Exit.isFailure(exit)) rollback(undo)
        for (const release of data.turns.splice(0)) release()
      }
    )
  })

/** Reads under the account's lock, so never of a unit that may still roll back. */
export const read = <A, E, R>(state: MemoryState, account: Ids.AccountId, work: (tx: StoreTx) => Effect.Effect<A, E, R>) =>
  Effect.suspend(() => {
    const data = dataOf(state, account)
    return data.lock.with(Effect.suspend(() => work(txOf(state, account, data))), () => undefined)
  })
