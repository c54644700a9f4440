/**
 * The one place that picks a store adapter for the server — so the adapters never import each
 * other — and the bootstrap of an empty store.
 */
import { Ledger, type LedgerStore } from "@agentledger/domain"
import { MemoryStore } from "@agentledger/store-memory"
import type { PgStore } from "@agentledger/store-postgres"
import type { Started } from "@agentledger/store-postgres/PgliteThread"
import { Config, Effect, Layer } from "effect"
import { mkdirSync } from "node:fs"
import { databaseDir } from "./EarlyPglite.js"
import type { StoreSetting } from "./Flags.js"

export interface Store {
  readonly layer: Layer.Layer<LedgerStore>
  /** What the server says it stores in, in its first log lines. */
  readonly description: string
}

/**
 * The PostgreSQL adapter, loaded only when the settings name it: its drivers (pg, PGlite,
 * @effect/sql) are a good part of the code a start would otherwise parse, and `--memory` uses
 * none of it.
 */
const postgres = (layer: (store: typeof PgStore) => Layer.Layer<LedgerStore>): Layer.Layer<LedgerStore> =>
  Layer.unwrapEffect(Effect.map(Effect.promise(() => import("@agentledger/store-postgres")), (loaded) => layer(loaded.PgStore)))

/**
 * The store the settings name; `pool` is the connections to PostgreSQL, when it is PostgreSQL;
 * `started`, the PGlite thread `EarlyPglite` started, when it did.
 */
export const choose = (setting: StoreSetting, pool: number, started?: Started): Store => {
  switch (setting.kind) {
    case "memory":
      return { layer: MemoryStore.layer, description: "in-memory store (nothing survives a restart)" }
    case "postgres":
      return {
        layer: postgres((PgStore) => PgStore.layerPgConfig({ url: Config.redacted("DATABASE_URL"), maxConnections: Config.succeed(pool) })),
        description: "PostgreSQL at DATABASE_URL"
      }
    case "pglite": {
      const { dataDir } = setting
      mkdirSync(dataDir, { recursive: true })
      const pglite = { dataDir: databaseDir(dataDir) }
      // In a worker thread PostgreSQL's work overlaps with serving requests (docs/decisions.md).
      return setting.inThread
        ? { layer: postgres((PgStore) => PgStore.layerPglite(pglite)), description: `embedded PGlite in ${dataDir}, in the serving thread` }
        : {
          layer: postgres((PgStore) => PgStore.layerPgliteWorker({ ...pglite, started })),
          description: `embedded PGlite in ${dataDir}, in a worker thread`
        }
    }
  }
}

/**
 * On an empty store: one account, its default environments, and its one-time token, printed
 * once — or, with `preset` (AGENTLEDGER_BOOTSTRAP_TOKEN), that token, printed nowhere.
 */
export const bootstrap = (description: string, preset: string | undefined) =>
  Effect.gen(function*() {
    const ledger = yield* Ledger
    const created = yield* ledger.bootstrap({ name: "Default account", secret: preset })
    yield* Effect.logInfo(`store: ${description}`)
    if (created === null) {
      yield* Effect.logInfo("the store already holds accounts; use the token printed when it was first started")
    } else if (preset !== undefined) {
      yield* Effect.logInfo(`bootstrapped account ${created.account.id} with the token in AGENTLEDGER_BOOTSTRAP_TOKEN`)
    } else {
      yield* Effect.logInfo(`bootstrapped account ${created.account.id}; its account token (shown only now):`)
      process.stdout.write(`\n    ${created.secret}\n\n`)
    }
  })
