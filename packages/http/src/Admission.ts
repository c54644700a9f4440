/**
 * Admission control: past its capacity the server answers `503` with `Retry-After` at once,
 * instead of queueing requests into seconds of latency (the Prefactor SDK retries a 503).
 *
 * At most `limit` requests are served at once; the rest wait in a short queue and are refused
 * when they have waited `queueTimeoutMs` or the queue is full. The limit adapts (additive
 * increase, multiplicative decrease) to keep the time a request takes once admitted near
 * `latencyTargetMs`: a request answered within the target raises it by 1/limit, one over it
 * lowers it by a tenth (at most once per target's time, so one burst is one step). The store
 * sets the capacity — one embedded database, a pool of PostgreSQL connections, group commits
 * that grow with the load — so the server learns it rather than being told.
 *
 * The queue is where requests wait, not the event loop: while it holds requests, nothing more
 * is started, and an overloaded server keeps answering what it admitted within its budget
 * while the rest hear 503 within `queueTimeoutMs`.
 */

export interface AdmissionLimits {
  /** The time an admitted request should take at most; 0 turns admission control off. */
  readonly latencyTargetMs: number
  /** The longest a request waits for a turn before it is refused with 503. */
  readonly queueTimeoutMs: number
  /** The most requests served at once, whatever the latency. */
  readonly maxInFlight: number
  /** The fewest requests served at once, however slow they are. */
  readonly minInFlight: number
  /** The most requests waiting; more are refused at once. */
  readonly maxQueue: number
  /** The `Retry-After` of a refusal, in seconds. */
  readonly retryAfterSeconds: number
}

export const defaults: AdmissionLimits = {
  latencyTargetMs: 25,
  queueTimeoutMs: 15,
  maxInFlight: 256,
  minInFlight: 4,
  maxQueue: 1_024,
  retryAfterSeconds: 1
}

/** The limits with every one not given at its default (the fewest in flight no more than the most given). */
export const resolve = (given: Partial<AdmissionLimits>): AdmissionLimits => {
  const maxInFlight = given.maxInFlight ?? defaults.maxInFlight
  return { ...defaults, minInFlight: Math.min(defaults.minInFlight, maxInFlight), ...given }
}

/** Why the limits cannot be used, or undefined. */
export const problem = (limits: AdmissionLimits): string | undefined => {
  const whole: ReadonlyArray<readonly [string, number, number]> = [
    ["the latency target", limits.latencyTargetMs, 0],
    ["the queue timeout", limits.queueTimeoutMs, 0],
    ["the most requests in flight", limits.maxInFlight, 1],
    ["the fewest requests in flight", limits.minInFlight, 1],
    ["the queue length", limits.maxQueue, 0],
    ["Retry-After", limits.retryAfterSeconds, 1]
  ]
  for (const [name, value, least] of whole) {
    if (!Number.isSafeInteger(value) || value < least) return `${name} must be a whole number of at least ${least}, not ${value}`
  }
  return limits.minInFlight > limits.maxInFlight
    ? `the fewest requests in flight (${limits.minInFlight}) cannot exceed the most (${limits.maxInFlight})`
    : undefined
}

interface Waiting {
  readonly since: number
  readonly admit: () => void
  readonly refuse: () => void
}

/** The admission state of one server. Times are milliseconds of one monotonic clock. */
export class Admission {
  private inFlight = 0
  private current: number
  private lastDecrease = Number.NEGATIVE_INFINITY
  private readonly waiting: Array<Waiting> = []
  private sweep: ReturnType<typeof setTimeout> | undefined

  constructor(readonly limits: AdmissionLimits, private readonly clock: () => number = () => performance.now()) {
    this.current = Math.max(limits.minInFlight, Math.min(limits.maxInFlight, 32))
  }

  /** The number of requests served at once now. */
  get limit(): number {
    return Math.floor(this.current)
  }

  get served(): number {
    return this.inFlight
  }

  get queued(): number {
    return this.waiting.length
  }

  /**
   * A request arrives: `admit` is called when it may be served (now or after a wait), `refuse`
   * when it is refused; exactly one of them, once. An admitted request must call `done`.
   */
  offer(admit: () => void, refuse: () => void): void {
    if (this.limits.latencyTargetMs === 0 || (this.waiting.length === 0 && this.inFlight < this.limit)) {
      this.inFlight++
      return admit()
    }
    if (this.waiting.length >= this.limits.maxQueue || this.limits.queueTimeoutMs === 0) return refuse()
    this.waiting.push({ since: this.clock(), admit, refuse })
    this.arm()
  }

  /** An admitted request was answered after `tookMs`. */
  done(tookMs: number): void {
    this.inFlight--
    if (this.limits.latencyTargetMs > 0) this.adapt(tookMs)
    this.pump()
  }

  private adapt(tookMs: number): void {
    const now = this.clock()
    if (tookMs > this.limits.latencyTargetMs) {
      if (now - this.lastDecrease >= this.limits.latencyTargetMs) {
        this.current = Math.max(this.limits.minInFlight, this.current * 0.9)
        this.lastDecrease = now
      }
    } else {
      this.current = Math.min(this.limits.maxInFlight, this.current + 1 / this.current)
    }
  }

  /** Admits the waiting in order while there is room, refusing those that waited too long. */
  private pump(): void {
    const now = this.clock()
    while (this.waiting.length > 0) {
      const first = this.waiting[0]
      if (first === undefined) break
      if (now - first.since >= this.limits.queueTimeoutMs) {
        this.waiting.shift()
        first.refuse()
        continue
      }
      if (this.inFlight >= this.limit) break
      this.waiting.shift()
      this.inFlight++
      first.admit()
    }
    this.arm()
  }

  /** While requests wait, a timer refuses each when its wait runs out, even if nothing is answered meanwhile. */
  private arm(): void {
    if (this.sweep !== undefined) return
    const first = this.waiting[0]
    if (first === undefined) return
    const due = Math.max(0, first.since + this.limits.queueTimeoutMs - this.clock())
    this.sweep = setTimeout(() => {
      this.sweep = undefined
      this.pump()
    }, Math.ceil(due))
    this.sweep.unref()
  }
}
