/**
 * How long the event loop of this process goes without a turn: a ticker every 5 ms notes the
 * longest gap between its ticks. A server started in the test process shares the loop, so this
 * is the longest a request held the server.
 */
export interface StallMonitor {
  /** Starts a new window. */
  readonly reset: () => void
  /** The longest gap of the window, in milliseconds. */
  readonly worst: () => number
  readonly stop: () => void
}

export const stallMonitor = (): StallMonitor => {
  let last = performance.now()
  let worst = 0
  const ticker = setInterval(() => {
    const now = performance.now()
    worst = Math.max(worst, now - last)
    last = now
  }, 5)
  return {
    reset: () => {
      last = performance.now()
      worst = 0
    },
    worst: () => Math.max(worst, performance.now() - last),
    stop: () => clearInterval(ticker)
  }
}
