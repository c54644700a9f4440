/**
 * A turn of the event loop for the runner, inside a long property.
 *
 * Effect yields to the event loop through microtasks, and only falls back to a timer after 2,048
 * microtask turns in a row; a property whose every run is a short Effect on an in-memory (or
 * in-thread PGlite) store awaited by fast-check never gets there. Then the vitest worker's own
 * I/O — the runner's answers to its task updates — waits unread behind the test, and after 60 s
 * vitest's RPC gives up with "Timeout calling onTaskUpdate", failing a run whose every test
 * passed (the deep run did, on the store-memory and in-thread PGlite suites). `setImmediate` runs
 * after the loop's I/O phase, so one such turn per operation lets the worker answer.
 */
import { Effect } from "effect"

export const letTheEventLoopIn: Effect.Effect<void> = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})
