/**
 * The server's flags and their environment variables, read with nothing but Node's own modules:
 * `main.ts` learns where the store is from them before it loads the rest of the server, and
 * `Settings.ts` checks and completes the rest. Each setting is a flag or an environment variable
 * — the flag wins — named alike: `--checker-threads` is `AGENTLEDGER_CHECKER_THREADS`.
 */
import { resolve } from "node:path"
import { parseArgs, type ParseArgsConfig } from "node:util"

export const options = {
  host: { type: "string" },
  port: { type: "string" },
  "data-dir": { type: "string" },
  memory: { type: "boolean", default: false },
  "pglite-in-thread": { type: "boolean", default: false },
  "max-body-bytes": { type: "string" },
  "otlp-max-body-bytes": { type: "string" },
  "headers-timeout-ms": { type: "string" },
  "request-timeout-ms": { type: "string" },
  "idle-timeout-ms": { type: "string" },
  "max-connections": { type: "string" },
  "checker-threads": { type: "string" },
  "check-timeout-ms": { type: "string" },
  "compile-timeout-ms": { type: "string" },
  "checker-memory-mb": { type: "string" },
  "idempotency-ttl-s": { type: "string" },
  "token-cache-ttl-ms": { type: "string" },
  "token-last-use-interval-s": { type: "string" },
  "masking-cache-ttl-ms": { type: "string" },
  "latency-target-ms": { type: "string" },
  "queue-timeout-ms": { type: "string" },
  "max-in-flight": { type: "string" },
  "retry-after-s": { type: "string" },
  "stats-interval-ms": { type: "string" },
  "retention-interval-s": { type: "string" },
  "retention-batch-runs": { type: "string" },
  workers: { type: "string" },
  "db-pool-size": { type: "string" },
  help: { type: "boolean", default: false }
} as const satisfies ParseArgsConfig["options"]

export type Flags = ReturnType<typeof parseArgs<{ options: typeof options; strict: true }>>["values"]

/** A flag that takes a value. */
export type ValueFlag = { readonly [K in keyof typeof options]: (typeof options)[K]["type"] extends "string" ? K : never }[keyof typeof options]

export type Parsed =
  | { readonly _tag: "Parsed"; readonly flags: Flags }
  | { readonly _tag: "Refused"; readonly message: string }

/** The command line's arguments (after the script), or why they are refused (an unknown flag, a missing value). */
export const parse = (args: ReadonlyArray<string>): Parsed => {
  try {
    return { _tag: "Parsed", flags: parseArgs({ args: [...args], options, strict: true }).values }
  } catch (error) {
    return { _tag: "Refused", message: error instanceof Error ? error.message : String(error) }
  }
}

/** A flag's environment variable: `--db-pool-size` is `AGENTLEDGER_DB_POOL_SIZE`. */
export const variableOf = (flag: string): string => `AGENTLEDGER_${flag.toUpperCase().replaceAll("-", "_")}`

export type Environment = Readonly<Record<string, string | undefined>>

/** A variable of `environment`; an empty one counts as unset, as a shell's `VAR= npm start` means. */
export const variable = (environment: Environment, name: string): string | undefined => {
  const value = environment[name]
  return value === undefined || value === "" ? undefined : value
}

/** Where the records live. */
export type StoreSetting =
  | { readonly kind: "memory" }
  | { readonly kind: "postgres" }
  | { readonly kind: "pglite"; readonly dataDir: string; readonly inThread: boolean }

/** `--memory`, else PostgreSQL when `DATABASE_URL` names one, else the embedded PGlite in the data directory. */
export const storeOf = (flags: Flags, environment: Environment): StoreSetting =>
  flags.memory
    ? { kind: "memory" }
    : variable(environment, "DATABASE_URL") !== undefined
    ? { kind: "postgres" }
    : {
      kind: "pglite",
      dataDir: resolve(flags["data-dir"] ?? variable(environment, "AGENTLEDGER_DATA_DIR") ?? ".agentledger"),
      inThread: flags["pglite-in-thread"]
    }
