/**
 * A pool of checker threads. Each thread takes one message at a time; a message that runs past
 * its time budget, or a thread that runs out of its memory budget, ends the thread (a new one
 * takes its place) and answers the message with the budget it broke. Messages wait in one
 * queue, first in first out; past `maxQueue` waiting checks, a new check is answered at once
 * as not scheduled (compilations always wait: a schema version must get its verdict).
 */
import { Worker } from "node:worker_threads"
import type { Message, Ready, Response } from "./protocol.js"

export interface PoolOptions {
  /** Threads in the pool. */
  readonly threads: number
  /** Budget of one check, in milliseconds. */
  readonly checkTimeoutMs: number
  /** Budget of compiling one definition, in milliseconds. */
  readonly compileTimeoutMs: number
  /** Heap of one thread, in MiB (V8's old generation; the young one gets a quarter). */
  readonly memoryMb: number
  /** Checks that may wait for a thread; more are answered as not scheduled. */
  readonly maxQueue: number
  /** How long a check may wait for a thread before it is answered as not scheduled, in milliseconds. */
  readonly maxWaitMs: number
}

/** Why a message got no answer from a thread. */
export type Failure = "timeout" | "memory" | "crash" | "busy" | "closed"

export type Outcome = { readonly ok: true; readonly response: Response } | { readonly ok: false; readonly failure: Failure; readonly detail: string }

type Job = {
  readonly request: Message
  readonly done: (outcome: Outcome) => void
  /** Cancelled by its caller, or answered while it waited: a thread skips it. */
  cancelled: boolean
  waiting: ReturnType<typeof setTimeout> | null
}

interface Thread {
  readonly worker: Worker
  job: { readonly id: number; readonly job: Job; readonly timer: ReturnType<typeof setTimeout> } | null
  /** Loaded: a thread takes messages only then, so loading does not count against a budget. */
  ready: boolean
}

// A build runs its compiled `worker.js`; the sources' thread needs tsx first, which `worker.mjs`
// registers (a thread does not inherit its parent's loader hooks).
const entry = new URL(import.meta.url.endsWith(".ts") ? "./worker.mjs" : "./worker.js", import.meta.url)

/** Threads that may fail to start in a row before the pool stops trying. */
const bootAttempts = 3

export class Pool {
  private readonly threads = new Set<Thread>()
  private readonly queue: Array<Job> = []
  private nextId = 0
  private closed = false
  /** Threads that died before they were ready, in a row; past `bootAttempts` the pool gives up. */
  private bootFailures = 0
  private broken: string | null = null

  constructor(readonly options: PoolOptions) {
    for (let index = 0; index < options.threads; index++) this.spawn()
  }

  /** Sends a message to the first free thread; the answer comes through `done`. Returns a canceller. */
  submit(request: Message, done: (outcome: Outcome) => void): () => void {
    const job: Job = { request, done, cancelled: false, waiting: null }
    if (this.closed || this.broken !== null) {
      done({ ok: false, failure: "closed", detail: this.broken ?? "the checker pool is closed" })
      return () => {}
    }
    const waitingChecks = this.queue.reduce((count, queued) => count + (queued.request.kind === "check" ? 1 : 0), 0)
    if (request.kind === "check" && waitingChecks >= this.options.maxQueue) {
      done({ ok: false, failure: "busy", detail: `the checker is busy (${waitingChecks} checks waiting)` })
      return () => {}
    }
    if (request.kind === "check") {
      job.waiting = setTimeout(() => {
        job.cancelled = true
        done({ ok: false, failure: "busy", detail: `no checker was free within ${this.options.maxWaitMs} ms` })
      }, this.options.maxWaitMs)
    }
    this.queue.push(job)
    this.dispatch()
    return () => {
      job.cancelled = true
      if (job.waiting !== null) clearTimeout(job.waiting)
    }
  }

  /** Ends every thread; waiting messages are answered `closed`. */
  async close(): Promise<void> {
    this.closed = true
    for (const job of this.queue.splice(0)) {
      if (job.waiting !== null) clearTimeout(job.waiting)
      if (!job.cancelled) job.done({ ok: false, failure: "closed", detail: "the checker pool closed" })
    }
    await Promise.all([...this.threads].map((thread) => thread.worker.terminate()))
    this.threads.clear()
  }

  /** Threads alive (tests watch a thread being replaced). */
  get size(): number {
    return this.threads.size
  }

  private spawn(): void {
    if (this.closed || this.broken !== null) return
    const worker = new Worker(entry, {
      resourceLimits: {
        maxOldGenerationSizeMb: this.options.memoryMb,
        maxYoungGenerationSizeMb: Math.max(4, Math.floor(this.options.memoryMb / 4)),
        stackSizeMb: 4
      }
    })
    const thread: Thread = { worker, job: null, ready: false }
    this.threads.add(thread)
    worker.on("message", (response: Response | Ready) => {
      if (response.kind === "ready") {
        thread.ready = true
        this.bootFailures = 0
        return this.dispatch()
      }
      const running = thread.job
      if (running === null || running.id !== response.id) return
      clearTimeout(running.timer)
      thread.job = null
      running.job.done({ ok: true, response })
      this.dispatch()
    })
    worker.on("error", (error: Error & { readonly code?: string }) => {
      const memory = error.code === "ERR_WORKER_OUT_OF_MEMORY"
      this.retire(thread, memory ? "memory" : "crash", memory ? `ran out of its memory budget of ${this.options.memoryMb} MiB` : `the checker failed: ${error.message}`)
    })
    worker.on("exit", () => this.retire(thread, "crash", "the checker thread ended"))
    // A pool thread must not keep the process alive on its own.
    worker.unref()
  }

  /** Ends a thread, answers its message with `failure`, and puts a new thread in its place. */
  private retire(thread: Thread, failure: Failure, detail: string): void {
    if (!this.threads.delete(thread)) return
    const running = thread.job
    thread.job = null
    if (running !== null) {
      clearTimeout(running.timer)
      running.job.done({ ok: false, failure, detail })
    }
    void thread.worker.terminate()
    if (!thread.ready && ++this.bootFailures >= bootAttempts) return this.breakDown(detail)
    this.spawn()
    this.dispatch()
  }

  /** No thread can start (a memory budget too small to load one, a missing file): answer everything. */
  private breakDown(detail: string): void {
    this.broken = `the checker threads could not start (${detail})`
    for (const job of this.queue.splice(0)) {
      if (job.waiting !== null) clearTimeout(job.waiting)
      if (!job.cancelled) job.done({ ok: false, failure: "crash", detail: this.broken })
    }
  }

  private dispatch(): void {
    for (const thread of this.threads) {
      if (thread.job !== null || !thread.ready) continue
      let job = this.queue.shift()
      while (job !== undefined && job.cancelled) job = this.queue.shift()
      if (job === undefined) return
      if (job.waiting !== null) clearTimeout(job.waiting)
      const id = this.nextId++
      const budget = job.request.kind === "compile" ? this.options.compileTimeoutMs : this.options.checkTimeoutMs
      const timer = setTimeout(() => this.retire(thread, "timeout", `ran past its budget of ${budget} ms`), budget)
      thread.job = { id, job, timer }
      thread.worker.postMessage({ ...job.request, id })
    }
  }
}
