/**
 * Turns per run for the ingest path, within one process. Two optimistic appends to one run
 * race on its row version and the loser works again; under load (hundreds of requests on a few
 * runs) the losers' retries and their fallback to row locks cost more than the work, and
 * throughput collapsed. Appends to one run in this process take turns instead; processes still
 * meet at the row version.
 */
import { Effect } from "effect"

interface Run {
  readonly semaphore: Effect.Semaphore
  /** Fibers holding or awaiting the turn. */
  takers: number
}

export class RunTurns {
  private readonly runs = new Map<string, Run>()

  /**
   * Waits for the run's turn, then adds the effect that ends it to `held`: the caller runs those
   * when its work is done. Interrupted while waiting, it holds nothing.
   */
  take(key: string, held: Array<Effect.Effect<void>>): Effect.Effect<void> {
    return Effect.uninterruptibleMask((restore) =>
      Effect.suspend(() => {
        const run = this.runs.get(key) ?? this.open(key)
        run.takers++
        const leave = Effect.sync(() => {
          run.takers--
          if (run.takers === 0) this.runs.delete(key)
        })
        return restore(run.semaphore.take(1)).pipe(
          Effect.onInterrupt(() => leave),
          Effect.tap(() => {
            held.push(Effect.zipRight(run.semaphore.release(1), leave))
          }),
          Effect.asVoid
        )
      })
    )
  }

  /** How many runs have a turn taken or awaited (for tests: none once all work is done). */
  get size(): number {
    return this.runs.size
  }

  private open(key: string): Run {
    const run = { semaphore: Effect.unsafeMakeSemaphore(1), takers: 0 }
    this.runs.set(key, run)
    return run
  }
}
