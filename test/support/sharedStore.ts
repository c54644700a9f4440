/**
 * One store for a whole test file. The conformance suite asks for a fresh `Ledger` per test,
 * but every test works in accounts of its own, and tenancy keeps them apart: so a database
 * server (or a PGlite instance) is started once per file and each test gets a new `Ledger`
 * over it — which is also how a real deployment shares one database among its tenants.
 */
import { Ids, Ledger, LedgerLive, LedgerStore } from "@agentledger/domain"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { afterAll, beforeAll } from "vitest"

export interface SharedStore {
  /** A fresh Ledger over the file's store. */
  readonly ledger: () => Layer.Layer<Ledger>
  /** The file's store itself. */
  readonly store: () => Context.Tag.Service<LedgerStore>
}

export const sharedStore = (
  acquire: () => Promise<{ readonly layer: Layer.Layer<LedgerStore>; readonly release?: () => void }>,
  timeout = 120_000
): SharedStore => {
  let service: Context.Tag.Service<LedgerStore> | undefined
  let scope: Scope.CloseableScope | undefined
  let release: (() => void) | undefined
  beforeAll(async () => {
    const acquired = await acquire()
    release = acquired.release
    scope = Effect.runSync(Scope.make())
    const context = await Effect.runPromise(Layer.buildWithScope(acquired.layer, scope))
    service = Context.get(context, LedgerStore)
  }, timeout)
  afterAll(async () => {
    if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
    release?.()
  }, timeout)
  const store = () => {
    if (service === undefined) throw new Error("the shared store is used before it was started")
    return service
  }
  return {
    store,
    ledger: () =>
      LedgerLive.layer.pipe(
        Layer.provide(Layer.sync(LedgerStore, store)),
        Layer.provide(Ids.IdEntropy.Live)
      )
  }
}
