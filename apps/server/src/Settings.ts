/**
 * The server's settings, from its flags and environment variables (`Flags.ts`). `read` only
 * reads and checks them: it answers the settings, the help text, or why they are refused, and
 * `Root.ts` acts on that (print and exit 0, print and exit 2, or serve). Every setting is
 * described in docs/http.md.
 */
import { WorkerChecker } from "@agentledger/checker-worker"
import { ApiToken, MaskingCache, TokenCache } from "@agentledger/domain"
import { Admission, Connections, OperatorToken, Server } from "@agentledger/http"
import { Limits } from "@agentledger/otlp"
import { Duration } from "effect"
import * as Flags from "./Flags.js"
import * as Retention from "./Retention.js"

export type { StoreSetting } from "./Flags.js"

export interface Settings {
  readonly host: string
  readonly port: number
  readonly maxBodyBytes: number
  /** The most bytes of an OTLP request's body at `/v1/traces`, as sent and after gunzip. */
  readonly otlpMaxBodyBytes: number
  readonly connections: Connections.ConnectionLimits
  readonly checker: Partial<WorkerChecker.Options>
  /** How long an idempotency key replays its first answer, in seconds (default 24 hours). */
  readonly idempotencyTtlSeconds: number
  /** How long a looked-up API token is reused: how soon a token changed by another process is refused here. */
  readonly tokenCacheTtlMs: number
  /** How often a token's `last_used_at` is written at most, in seconds. */
  readonly tokenLastUseIntervalSeconds: number
  /** How long ingest reuses an account's masking policy: how soon a change by another process applies here. */
  readonly maskingCacheTtlMs: number
  readonly admission: Admission.AdmissionLimits
  /** Every how many milliseconds a stats line goes to stderr; 0 (the default) writes none. */
  readonly statsIntervalMs: number
  /** The retention job: its interval (0: off) and its units of work. */
  readonly retention: Retention.RetentionSettings
  /** AGENTLEDGER_OPERATOR_TOKEN: enables the operator API. */
  readonly operatorSecret: string | undefined
  /** AGENTLEDGER_BOOTSTRAP_TOKEN: the first account's token, for scripted use. */
  readonly bootstrapSecret: string | undefined
  readonly store: Flags.StoreSetting
  /** Server processes on the one port (`Cluster.ts`). */
  readonly workers: number
  /** Connections each process keeps to PostgreSQL. */
  readonly poolSize: number
}

export type Reading =
  | { readonly _tag: "Help"; readonly text: string }
  | { readonly _tag: "Refused"; readonly message: string }
  | { readonly _tag: "Read"; readonly settings: Settings }

export const usage = `agentledger serve [--host 127.0.0.1] [--port 4318] [--data-dir ./.agentledger [--pglite-in-thread] | --memory] [--max-body-bytes 5242880]
                 [--otlp-max-body-bytes 16777216]
                 [--headers-timeout-ms 10000] [--request-timeout-ms 30000] [--idle-timeout-ms 5000] [--max-connections 1024]
                 [--checker-threads N] [--check-timeout-ms 250] [--compile-timeout-ms 2000] [--checker-memory-mb 128]
                 [--idempotency-ttl-s 86400] [--token-cache-ttl-ms 1000] [--token-last-use-interval-s 60] [--masking-cache-ttl-ms 1000]
                 [--latency-target-ms 25 (0: no admission control)] [--queue-timeout-ms 15] [--max-in-flight 256] [--retry-after-s 1]
                 [--stats-interval-ms 0] [--retention-interval-s 3600 (0: no retention job)] [--retention-batch-runs 500]
                 [--workers 1] [--db-pool-size 10]
  --workers N       N server processes on the one port (N > 1 needs DATABASE_URL: PGlite and --memory are one process's)
  --db-pool-size N  connections each process keeps to PostgreSQL (the server's max_connections bounds workers × N)
Environment: AGENTLEDGER_HOST, AGENTLEDGER_PORT, AGENTLEDGER_DATA_DIR, AGENTLEDGER_MAX_BODY_BYTES,
             AGENTLEDGER_OTLP_MAX_BODY_BYTES, DATABASE_URL,
             AGENTLEDGER_HEADERS_TIMEOUT_MS, AGENTLEDGER_REQUEST_TIMEOUT_MS, AGENTLEDGER_IDLE_TIMEOUT_MS,
             AGENTLEDGER_MAX_CONNECTIONS, AGENTLEDGER_CHECKER_THREADS, AGENTLEDGER_CHECK_TIMEOUT_MS,
             AGENTLEDGER_COMPILE_TIMEOUT_MS, AGENTLEDGER_CHECKER_MEMORY_MB, AGENTLEDGER_IDEMPOTENCY_TTL_S,
             AGENTLEDGER_TOKEN_CACHE_TTL_MS, AGENTLEDGER_TOKEN_LAST_USE_INTERVAL_S, AGENTLEDGER_MASKING_CACHE_TTL_MS,
             AGENTLEDGER_LATENCY_TARGET_MS, AGENTLEDGER_QUEUE_TIMEOUT_MS,
             AGENTLEDGER_MAX_IN_FLIGHT, AGENTLEDGER_RETRY_AFTER_S,
             AGENTLEDGER_STATS_INTERVAL_MS, AGENTLEDGER_RETENTION_INTERVAL_S, AGENTLEDGER_RETENTION_BATCH_RUNS,
             AGENTLEDGER_WORKERS, AGENTLEDGER_DB_POOL_SIZE,
             AGENTLEDGER_BOOTSTRAP_TOKEN, AGENTLEDGER_OPERATOR_TOKEN (32+ characters)
`

const refused = (message: string): Reading => ({ _tag: "Refused", message })

/** Reads the settings from the command line's arguments (after the script) and the environment. */
export const read = (args: ReadonlyArray<string>, environment: Flags.Environment): Reading => {
  const parsed = Flags.parse(args)
  if (parsed._tag === "Refused") return refused(parsed.message)
  const { flags } = parsed
  if (flags.help) return { _tag: "Help", text: usage }

  const env = (name: string): string | undefined => Flags.variable(environment, name)
  const problems: Array<string> = []
  const integer = (flag: Flags.ValueFlag, fallback: number): number => {
    const text = flags[flag] ?? env(Flags.variableOf(flag))
    if (text === undefined) return fallback
    const value = Number(text)
    if (Number.isInteger(value) && value >= 0) return value
    problems.push(`--${flag} must be a whole number, not ${JSON.stringify(text)}`)
    return fallback
  }

  const port = integer("port", 4318)
  const maxBodyBytes = integer("max-body-bytes", Server.defaultMaxBodyBytes)
  const otlpMaxBodyBytes = integer("otlp-max-body-bytes", Limits.defaults.maxBodyBytes)
  const connections: Connections.ConnectionLimits = {
    headersTimeoutMs: integer("headers-timeout-ms", Connections.defaults.headersTimeoutMs),
    requestTimeoutMs: integer("request-timeout-ms", Connections.defaults.requestTimeoutMs),
    idleTimeoutMs: integer("idle-timeout-ms", Connections.defaults.idleTimeoutMs),
    maxConnections: integer("max-connections", Connections.defaults.maxConnections)
  }
  const checker: Partial<WorkerChecker.Options> = {
    threads: integer("checker-threads", WorkerChecker.defaults.threads),
    checkTimeoutMs: integer("check-timeout-ms", WorkerChecker.defaults.checkTimeoutMs),
    compileTimeoutMs: integer("compile-timeout-ms", WorkerChecker.defaults.compileTimeoutMs),
    memoryMb: integer("checker-memory-mb", WorkerChecker.defaults.memoryMb)
  }
  const idempotencyTtlSeconds = integer("idempotency-ttl-s", 24 * 60 * 60)
  const tokenCacheTtlMs = integer("token-cache-ttl-ms", Duration.toMillis(TokenCache.defaultTtl))
  const tokenLastUseIntervalSeconds = integer("token-last-use-interval-s", Duration.toSeconds(ApiToken.defaultLastUseInterval))
  const maskingCacheTtlMs = integer("masking-cache-ttl-ms", Duration.toMillis(MaskingCache.defaultTtl))
  const admission = Admission.resolve({
    latencyTargetMs: integer("latency-target-ms", Admission.defaults.latencyTargetMs),
    queueTimeoutMs: integer("queue-timeout-ms", Admission.defaults.queueTimeoutMs),
    maxInFlight: integer("max-in-flight", Admission.defaults.maxInFlight),
    retryAfterSeconds: integer("retry-after-s", Admission.defaults.retryAfterSeconds)
  })
  const statsIntervalMs = integer("stats-interval-ms", 0)
  const retention: Retention.RetentionSettings = {
    intervalSeconds: integer("retention-interval-s", Retention.defaults.intervalSeconds),
    batchRuns: integer("retention-batch-runs", Retention.defaults.batchRuns)
  }
  const workers = integer("workers", 1)
  const poolSize = integer("db-pool-size", 10)
  const operatorSecret = env("AGENTLEDGER_OPERATOR_TOKEN")
  const databaseUrl = env("DATABASE_URL")

  const problem = problems[0] ??
    Connections.problem(connections) ??
    Admission.problem(admission) ??
    WorkerChecker.problem(checker) ??
    (idempotencyTtlSeconds < 1 ? "--idempotency-ttl-s must be at least 1 second" : undefined) ??
    (otlpMaxBodyBytes < 1 ? "--otlp-max-body-bytes must be at least 1" : undefined) ??
    (operatorSecret === undefined ? undefined : OperatorToken.weakness(operatorSecret)) ??
    (workers < 1 ? "--workers must be at least 1" : undefined) ??
    (retention.batchRuns < 1 ? "--retention-batch-runs must be at least 1" : undefined) ??
    (poolSize < 1 ? "--db-pool-size must be at least 1" : undefined) ??
    // Each worker would open its own store: PGlite's data directory is one process's database,
    // and --memory would give every worker records of its own.
    (workers > 1 && (flags.memory || databaseUrl === undefined)
      ? `--workers ${workers} needs PostgreSQL (DATABASE_URL): ${
        flags.memory ? "--memory keeps each process's records apart" : "the embedded PGlite store is one process's database"
      }`
      : undefined)
  if (problem !== undefined) return refused(problem)

  const store = Flags.storeOf(flags, environment)
  return {
    _tag: "Read",
    settings: {
      host: flags.host ?? env("AGENTLEDGER_HOST") ?? "127.0.0.1",
      port,
      maxBodyBytes,
      otlpMaxBodyBytes,
      connections,
      checker,
      idempotencyTtlSeconds,
      tokenCacheTtlMs,
      tokenLastUseIntervalSeconds,
      maskingCacheTtlMs,
      admission,
      statsIntervalMs,
      retention,
      operatorSecret,
      bootstrapSecret: env("AGENTLEDGER_BOOTSTRAP_TOKEN"),
      store,
      workers,
      poolSize
    }
  }
}
