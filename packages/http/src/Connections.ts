/**
 * How long a connection may take and how many there may be. Node's defaults let one client hold a
 * connection for a minute while dribbling its headers a byte at a time (slowloris), a body for
 * five minutes, and open connections without limit: a few hundred such clients exhaust the
 * process's sockets and memory without ever being authenticated. Each limit is an option of the
 * server and a flag / environment variable of `serve`.
 */
import type { ServerOptions as NodeServerOptions } from "node:http"

export interface ConnectionLimits {
  /** The longest a client may take to send a request's headers; then 408 and the connection closes. */
  readonly headersTimeoutMs: number
  /** The longest a client may take to send a whole request, headers and body; then 408. */
  readonly requestTimeoutMs: number
  /** How long an idle keep-alive connection stays open between requests. */
  readonly idleTimeoutMs: number
  /** Connections open at once; further ones are closed as they arrive, the open ones keep working. */
  readonly maxConnections: number
}

export const defaults: ConnectionLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 5_000,
  maxConnections: 1_024
}

/** The limits with every one not given at its default. */
export const resolve = (given: Partial<ConnectionLimits>): ConnectionLimits => ({
  headersTimeoutMs: given.headersTimeoutMs ?? defaults.headersTimeoutMs,
  requestTimeoutMs: given.requestTimeoutMs ?? defaults.requestTimeoutMs,
  idleTimeoutMs: given.idleTimeoutMs ?? defaults.idleTimeoutMs,
  maxConnections: given.maxConnections ?? defaults.maxConnections
})

/** Why the limits cannot be used, or undefined. Node itself refuses headers that may take longer than the request. */
export const problem = (limits: ConnectionLimits): string | undefined => {
  const positive: ReadonlyArray<readonly [string, number]> = [
    ["the headers timeout", limits.headersTimeoutMs],
    ["the request timeout", limits.requestTimeoutMs],
    ["the idle timeout", limits.idleTimeoutMs],
    ["the connection limit", limits.maxConnections]
  ]
  for (const [name, value] of positive) {
    if (!Number.isSafeInteger(value) || value < 1) return `${name} must be a whole number of at least 1, not ${value}`
  }
  return limits.headersTimeoutMs > limits.requestTimeoutMs
    ? `the headers timeout (${limits.headersTimeoutMs} ms) cannot exceed the request timeout (${limits.requestTimeoutMs} ms)`
    : undefined
}

/**
 * Node's server options for the limits. Node checks the header and request deadlines only every
 * `connectionsCheckingInterval` (30 s by default, which would let a slow client stay four times
 * the headers timeout): checking a few times per timeout keeps the deadlines near what they say.
 */
export const nodeOptions = (limits: ConnectionLimits): NodeServerOptions => ({
  headersTimeout: limits.headersTimeoutMs,
  requestTimeout: limits.requestTimeoutMs,
  keepAliveTimeout: limits.idleTimeoutMs,
  connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4)))
})
