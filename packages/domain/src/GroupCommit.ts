/**
 * Group commit: writes to one key (a run) that arrive while a write to it is under way are
 * committed together, as one unit of work, when it ends.
 *
 * A key with nothing under way commits an item at once: there is no window to wait out, so a
 * lone request pays nothing; under load the queue behind a running commit is the batch, so the
 * batches grow with the load and the store sees one statement where it saw one per request.
 * Each caller is still answered only when its own item's unit of work has committed.
 *
 * A batch is all or nothing in the store, but a caller's outcome must be its own: when a batch
 * fails, its items run again one by one, in order, each with its own answer — exactly what they
 * would have had without grouping (a batch folds its decisions in order, as one by one would).
 */
import { Cause, Deferred, Effect, Exit, FiberId } from "effect"

export interface GroupCommitOptions<I, A, E> {
  /** The most items one commit takes; the rest wait for the next. */
  readonly maxBatch: number
  /** Commits several items as one unit of work, answering each in order. */
  readonly together: (items: ReadonlyArray<I>) => Effect.Effect<ReadonlyArray<A>, E>
  /** Commits one item on its own. */
  readonly alone: (item: I) => Effect.Effect<A, E>
}

export interface GroupCommit<I, A, E> {
  /** Commits an item with whatever else waits under its key; answers when it has committed. */
  readonly submit: (key: string, item: I) => Effect.Effect<A, E>
  /** Keys with a commit under way or waiting (for tests: none once all work is answered). */
  readonly busy: () => number
}

interface Waiting<I, A, E> {
  readonly item: I
  readonly answer: Deferred.Deferred<A, E>
}

export const make = <I, A, E>(options: GroupCommitOptions<I, A, E>): GroupCommit<I, A, E> => {
  const queues = new Map<string, Array<Waiting<I, A, E>>>()

  const one = (waiting: Waiting<I, A, E>) =>
    Effect.flatMap(Effect.exit(options.alone(waiting.item)), (exit) => Deferred.done(waiting.answer, exit))

  const commit = (batch: ReadonlyArray<Waiting<I, A, E>>): Effect.Effect<void> => {
    const [first] = batch
    if (first === undefined) return Effect.void
    if (batch.length === 1) return one(first)
    return Effect.flatMap(Effect.exit(options.together(batch.map((waiting) => waiting.item))), (exit) => {
      if (Exit.isSuccess(exit) && exit.value.length === batch.length) {
        return Effect.forEach(exit.value, (value, i) => {
          const waiting = batch[i]
          return waiting === undefined ? Effect.void : Deferred.succeed(waiting.answer, value)
        }, { discard: true })
      }
      // Interrupted (the process is stopping): everyone waiting hears it.
      if (Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause)) {
        return Effect.forEach(batch, (waiting) => Deferred.failCause(waiting.answer, exit.cause), { discard: true })
      }
      return Effect.forEach(batch, one, { discard: true })
    })
  }

  /** Commits what waits under the key until nothing does; the key is forgotten in the same step. */
  const drain = (key: string, queue: Array<Waiting<I, A, E>>): Effect.Effect<void> =>
    Effect.suspend(() => {
      if (queue.length === 0) {
        queues.delete(key)
        return Effect.void
      }
      return Effect.zipRight(commit(queue.splice(0, options.maxBatch)), drain(key, queue))
    })

  return {
    submit: (key, item) =>
      Effect.suspend(() => {
        const answer = Deferred.unsafeMake<A, E>(FiberId.none)
        const queue = queues.get(key)
        if (queue !== undefined) {
          queue.push({ item, answer })
          return Deferred.await(answer)
        }
        const fresh = [{ item, answer }]
        queues.set(key, fresh)
        // The commit is nobody's request: a caller who goes away does not take the others' with it.
        return Effect.zipRight(Effect.forkDaemon(drain(key, fresh)), Deferred.await(answer))
      }),
    busy: () => queues.size
  }
}
