/**
 * The process's last line: a promise rejected with no one to handle it, or an exception thrown
 * outside every Effect (a callback of a Node stream, a timer), would otherwise end the server
 * with at most a bare stack trace and no word of what it was doing. `install` logs each on
 * stderr as one line with its cause. A lost rejection leaves no state half-changed, so the
 * server keeps serving; after an uncaught exception Node's own guidance holds — the process's
 * state is unknown — so it logs and exits 1, for a supervisor to restart it.
 */
import { Cause } from "effect"

const describe = (cause: unknown): string =>
  cause instanceof Error ? (cause.stack ?? `${cause.name}: ${cause.message}`) : Cause.isCause(cause) ? Cause.pretty(cause) : String(cause)

/** Registers the two handlers once; `write` is where the lines go (stderr by default). */
export const install = (write: (line: string) => void = (line) => process.stderr.write(line)): void => {
  process.on("unhandledRejection", (reason) => {
    write(`agentledger: unhandled promise rejection (the server keeps running): ${describe(reason)}\n`)
  })
  process.on("uncaughtException", (error, origin) => {
    write(`agentledger: uncaught exception (${origin}); exiting: ${describe(error)}\n`)
    process.exit(1)
  })
}
