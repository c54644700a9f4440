/**
 * `serve --workers N`: N server processes on one port (`node:cluster`). The primary forks the
 * workers, which run `main.ts` again and listen on the same address: the primary holds the
 * socket and hands each new connection to the next worker in turn (Node's round-robin policy,
 * its default on Linux). The primary serves nothing itself; it
 *
 * - replaces a worker that exits while the cluster is not stopping, after a backoff that
 *   doubles with each quick death of that worker's slot (a worker that lived `stableMs` starts
 *   the count again), so a crash loop — the database down, say — does not spin;
 * - on SIGTERM or SIGINT, sends SIGTERM to every worker (each finishes its requests in flight,
 *   closes its pool and exits 0, as a single `serve` does), waits for them, and exits 0 — or 1
 *   if one did not stop cleanly; a second signal, or `stopTimeoutMs`, sends SIGKILL instead.
 *
 * If the primary itself dies, the workers see their channel to it close and exit (Node's
 * cluster does that), so no worker outlives it.
 */
import cluster, { type Worker } from "node:cluster"

export interface Backoff {
  /** Delay before the first restart of a slot, in milliseconds. */
  readonly initialMs: number
  /** The longest delay. */
  readonly maxMs: number
  /** A worker that lived this long died of something new: its slot's delay starts over. */
  readonly stableMs: number
}

export interface SuperviseOptions {
  readonly workers: number
  /** Where the primary's lines go. */
  readonly log: (message: string) => void
  readonly backoff?: Partial<Backoff>
  /** How long a graceful stop waits for the workers before SIGKILL (default 30 s). */
  readonly stopTimeoutMs?: number
}

export const defaultBackoff: Backoff = { initialMs: 100, maxMs: 30_000, stableMs: 10_000 }

/** The environment variable that tells a worker its slot (1…N), for its logs. */
const slotVariable = "AGENTLEDGER_WORKER_SLOT"

/** In a worker of a cluster: its slot (1…N). Undefined in the primary or a lone `serve`. */
export const workerSlot = (): number | undefined => {
  const slot = Number(process.env[slotVariable])
  return cluster.isWorker && Number.isInteger(slot) && slot > 0 ? slot : undefined
}

interface Slot {
  worker: Worker | undefined
  /** Quick deaths in a row: the next restart waits `initialMs × 2^failures`. */
  failures: number
  startedAt: number
  restart: NodeJS.Timeout | undefined
}

const describeExit = (code: number | null, signal: string | null) => (signal === null ? `exit code ${code ?? "?"}` : `signal ${signal}`)

/**
 * Runs in the primary: forks `workers` copies of this script (same flags, same environment),
 * keeps them running, and resolves with the primary's exit code once a signal stopped them all.
 */
export const supervise = (options: SuperviseOptions): Promise<number> =>
  new Promise((resolve) => {
    const backoff = { ...defaultBackoff, ...options.backoff }
    const { log } = options
    const slots: Array<Slot> = Array.from({ length: options.workers }, () => ({
      worker: undefined,
      failures: 0,
      startedAt: 0,
      restart: undefined
    }))
    let stopping = false
    let unclean = false
    let deadline: NodeJS.Timeout | undefined

    const live = () => slots.filter((slot) => slot.worker !== undefined).length
    const killAll = (signal: NodeJS.Signals) => {
      for (const slot of slots) slot.worker?.process.kill(signal)
    }
    const finish = () => {
      clearTimeout(deadline)
      process.removeListener("SIGTERM", onSignal)
      process.removeListener("SIGINT", onSignal)
      log(unclean ? "workers stopped; at least one did not stop cleanly" : "workers stopped")
      resolve(unclean ? 1 : 0)
    }

    const start = (index: number, slot: Slot) => {
      slot.restart = undefined
      slot.startedAt = Date.now()
      const worker = cluster.fork({ [slotVariable]: String(index + 1) })
      slot.worker = worker
      worker.on("exit", (code: number | null, signal: string | null) => exited(index, slot, worker, code, signal))
      log(`worker ${index + 1} started (pid ${worker.process.pid ?? "?"})`)
    }

    const exited = (index: number, slot: Slot, worker: Worker, code: number | null, signal: string | null) => {
      if (slot.worker !== worker) return
      slot.worker = undefined
      const name = `worker ${index + 1} (pid ${worker.process.pid ?? "?"})`
      if (stopping) {
        if (code !== 0) unclean = true
        log(`${name} stopped (${describeExit(code, signal)})`)
        if (live() === 0) finish()
        return
      }
      const lived = Date.now() - slot.startedAt
      if (lived >= backoff.stableMs) slot.failures = 0
      const delay = Math.min(backoff.initialMs * 2 ** slot.failures, backoff.maxMs)
      slot.failures++
      log(`${name} exited unexpectedly (${describeExit(code, signal)}) after ${lived} ms; a new one starts in ${delay} ms`)
      slot.restart = setTimeout(() => start(index, slot), delay)
    }

    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        log(`${signal} again: killing the workers`)
        unclean = true
        killAll("SIGKILL")
        return
      }
      stopping = true
      for (const slot of slots) clearTimeout(slot.restart)
      if (live() === 0) return finish()
      log(`${signal}: stopping ${live()} workers`)
      killAll("SIGTERM")
      deadline = setTimeout(() => {
        log(`workers still running ${(options.stopTimeoutMs ?? 30_000) / 1000} s after ${signal}: killing them`)
        unclean = true
        killAll("SIGKILL")
      }, options.stopTimeoutMs ?? 30_000)
    }

    process.on("SIGTERM", onSignal)
    process.on("SIGINT", onSignal)
    slots.forEach((slot, index) => start(index, slot))
  })
