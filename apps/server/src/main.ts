/**
 * The agentledger server (`npm start`), on `127.0.0.1:4318` by default. This entry loads almost
 * nothing itself: it reads where the store is from the flags (`Flags.ts`), starts the PGlite
 * thread of an existing embedded store (`EarlyPglite.ts`) so that PostgreSQL opens while the
 * rest loads, and only then loads the composition root (`Root.ts`), which reads and checks every
 * setting and serves. `npm start` runs this module's bundle (`apps/server/bundle.mjs`).
 */
import * as EarlyPglite from "./EarlyPglite.js"
import * as Flags from "./Flags.js"

const args = process.argv.slice(2)
const parsed = Flags.parse(args)
// Flags refused, or --help: the root says so; nothing starts.
const pglite = parsed._tag === "Parsed" && !parsed.flags.help ? EarlyPglite.startFor(Flags.storeOf(parsed.flags, process.env)) : undefined
const Root = await import("./Root.js")
Root.run(args, pglite)
