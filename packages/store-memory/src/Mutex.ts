/**
 * A one-holder lock. Effect's semaphore costs about 4 µs per use, more than a whole in-memory
 * unit of work; this one takes the lock synchronously when it is free and parks the fiber
 * otherwise. The caller releases it exactly once, in the unit's exit handler.
 */
import { Effect, type Exit } from "effect"

export class Mutex {
  private held = false
  private readonly waiting: Array<() => void> = []

  acquire: Effect.Effect<void> = Effect.suspend(() => {
    if (!this.held) {
      this.held = true
      return Effect.void
    }
    return Effect.async<void>((resume) => {
      const wake = () => resume(Effect.void)
      this.waiting.push(wake)
      // Interrupted while waiting: leave the queue; if the lock was already handed over, pass it on.
      return Effect.sync(() => {
        const at = this.waiting.indexOf(wake)
        if (at >= 0) this.waiting.splice(at, 1)
      })
    })
  })

  release(): void {
    const next = this.waiting.shift()
    if (next === undefined) this.held = false
    else next()
  }

  /** Whether anyone holds or awaits it. */
  get busy(): boolean {
    return this.held
  }

  /** Runs `work` holding the lock; `onExit` runs before the lock passes on. */
  with<A, E, R>(work: Effect.Effect<A, E, R>, onExit: (exit: Exit.Exit<A, E>) => void): Effect.Effect<A, E, R> {
    return Effect.uninterruptibleMask((restore) =>
      Effect.zipRight(
        this.acquire,
        restore(work).pipe(Effect.onExit((exit) =>
          Effect.sync(() => {
            try {
              onExit(exit)
            } finally {
              this.release()
            }
          })
        ))
      )
    )
  }
}
