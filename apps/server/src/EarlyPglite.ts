/**
 * The embedded store's thread, started before the rest of the server loads. On an existing
 * default store most of a start is PGlite's: compiling its WebAssembly and opening the data
 * directory, in its own thread. Started first thing, that work overlaps with the serving thread
 * loading its modules, and the store's layer takes the thread once they are loaded
 * (docs/decisions.md, "Startup"). Only Node's own modules and `PgliteThread` load before.
 */
import { type Started, start } from "@agentledger/store-postgres/PgliteThread"
import { existsSync } from "node:fs"
import { join } from "node:path"
import type { StoreSetting } from "./Flags.js"

/** Where PGlite keeps its database in the server's data directory. */
export const databaseDir = (dataDir: string): string => join(dataDir, "pglite")

/**
 * Starts the PGlite thread when the store is PGlite in a thread on a database that exists.
 * A first start is left to the store's layer: settings refused later must not leave a database
 * half-created behind them. Undefined when there is nothing to start, or Node could not start a
 * thread — the store's layer then tries again and says why.
 */
export const startFor = (store: StoreSetting): Started | undefined => {
  if (store.kind !== "pglite" || store.inThread || !existsSync(databaseDir(store.dataDir))) return undefined
  try {
    return start({ dataDir: databaseDir(store.dataDir) })
  } catch {
    return undefined
  }
}
