/**
 * Starting the PGlite thread, apart from the client that talks to it (`PgliteWorker.ts`) and with
 * nothing but Node's own modules: a server can start the thread first thing — PGlite compiling
 * and opening its database there — and load the rest of its code meanwhile, then hand the thread
 * to `PgliteWorker.layer({ started })`. Until a client takes it, what the thread says and how it
 * ends are kept, in order, for that client.
 */
import { existsSync } from "node:fs"
import { Worker } from "node:worker_threads"

export interface PgliteThreadConfig {
  /** A directory to persist to; omitted, the database lives in memory. */
  readonly dataDir?: string | undefined
  /** The thread's script (default `pglite-worker.mjs`); tests put a failing one here. */
  readonly script?: URL | undefined
}

/** What the client does with each of the thread's events. */
export interface Listener {
  readonly message: (message: unknown) => void
  readonly messageerror: (error: Error) => void
  readonly error: (error: Error) => void
  readonly exit: (code: number) => void
}

/** A thread started, its database opening; `take` hands its events to the one client. */
export interface Started {
  readonly worker: Worker
  /** Delivers the events kept so far, then every later one, to `listener`; false if a client took it before. */
  readonly take: (listener: Listener) => boolean
}

/**
 * The thread's script, beside this module: in the sources, in a build (tsc emits the `.mjs`
 * beside the compiled module, `allowJs`), and in a bundle that puts it beside its chunks. A
 * build that lacks it (`dist/src/PgliteThread.js`) takes the sources' copy, two folders up.
 */
export const workerScript = (from: string = import.meta.url): URL => {
  const beside = new URL("./pglite-worker.mjs", from)
  const sources = new URL("../../src/pglite-worker.mjs", from)
  return existsSync(beside) || !existsSync(sources) ? beside : sources
}

/** Starts the thread now (it throws if Node cannot start one). Idle, it does not keep the process alive. */
export const start = (config: PgliteThreadConfig = {}): Started => {
  const worker = new Worker(config.script ?? workerScript(), { workerData: { dataDir: config.dataDir ?? null } })
  worker.unref()
  let listener: Listener | null = null
  const kept: Array<(to: Listener) => void> = []
  const deliver = (event: (to: Listener) => void) => (listener === null ? kept.push(event) : event(listener))
  // Listened to from the start: a Worker drops the messages no one listens to, and an `error`
  // without a listener would end the process.
  worker.on("message", (message: unknown) => deliver((to) => to.message(message)))
  worker.on("messageerror", (error) => deliver((to) => to.messageerror(error)))
  worker.on("error", (error) => deliver((to) => to.error(error)))
  worker.on("exit", (code) => deliver((to) => to.exit(code)))
  return {
    worker,
    take: (next) => {
      if (listener !== null) return false
      listener = next
      for (const event of kept.splice(0)) event(next)
      return true
    }
  }
}
