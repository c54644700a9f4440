/**
 * The soak bench's load, in a process of its own (this file, forked with
 * `AGENTLEDGER_BENCH_SOAK_LOAD=1`), so the client never shares the server's CPU accounting or
 * event loop. It drives the server as agents do: each run is registered and started, receives
 * `spansPerRun` span creates, and is finished; new runs keep being registered, so the store
 * grows as in real use.
 *
 * - `capacity`: a closed loop, `connections` keep-alive connections, each working through runs
 *   one request after another; the figure is span creates per second (the runs' register, start
 *   and finish included in the time, so the open loop at a fraction of it sends the same mix).
 * - `soak`: an open loop of span creates at `rate` per second, each sent at its scheduled time
 *   whatever the answers do, spread round-robin over `activeRuns` runs; its latency counts from
 *   the scheduled time (no coordinated omission). A run that has been sent its spans is
 *   finished once they are answered, and a run registered ahead of time takes its place (the
 *   register, start and finish requests come on top of the paced ones). Every `windowMs` it
 *   reports the window's span-create latencies (by answer time) and every request's errors.
 */
import { Schema } from "effect"
import * as http from "node:http"
import { Created, Details } from "../support/resources.js"
import { forkLoadProcess, spanBody } from "./load.js"

// ---------------------------------------------------------------------------------------------
// Messages between the bench and its load process

const Target = { url: Schema.String, token: Schema.String, register: Schema.Unknown, spansPerRun: Schema.Number }

export const CapacityJob = Schema.Struct({ kind: Schema.Literal("capacity"), ...Target, connections: Schema.Number, warmupMs: Schema.Number, durationMs: Schema.Number })
export const SoakJob = Schema.Struct({ kind: Schema.Literal("soak"), ...Target, rate: Schema.Number, activeRuns: Schema.Number, durationMs: Schema.Number, windowMs: Schema.Number })
const Exit = Schema.Struct({ kind: Schema.Literal("exit") })
const Job = Schema.Union(CapacityJob, SoakJob, Exit)

const Errors = { errors: Schema.Number, firstError: Schema.NullOr(Schema.String) }
export const CapacityResult = Schema.Struct({ kind: Schema.Literal("capacity"), spans: Schema.Number, elapsedMs: Schema.Number, p50: Schema.Number, p99: Schema.Number, ...Errors })
export const Window = Schema.Struct({
  kind: Schema.Literal("window"),
  /** Milliseconds since the open loop started, at the window's end. */
  atMs: Schema.Number,
  /** Span creates answered in the window. */
  spans: Schema.Number,
  /** Register, start and finish requests answered in the window. */
  lifecycle: Schema.Number,
  ...{ p50: Schema.Number, p99: Schema.Number, max: Schema.Number },
  ...Errors
})
export const SoakDone = Schema.Struct({
  kind: Schema.Literal("done"),
  /** Span creates scheduled and answered in all (the windows' and the drain's). */
  scheduled: Schema.Number,
  answered: Schema.Number,
  runs: Schema.Number,
  /** Answers after the last window (the in-flight requests at the end, and the last runs' finishes). */
  drained: Schema.Number,
  drainedMax: Schema.Number,
  ...Errors
})
const Report = Schema.Union(CapacityResult, Window, SoakDone)
export type Window = typeof Window.Type
export type SoakDone = typeof SoakDone.Type

// ---------------------------------------------------------------------------------------------
// Requests

const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

interface Sent {
  readonly ok: boolean
  readonly body: string
  readonly error: string | null
}

const sender = (url: string, token: string, maxSockets: number) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets })
  const target = new URL(url)
  const send = (method: string, path: string, body: string): Promise<Sent> =>
    new Promise((resolve) => {
      const request = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path,
          method,
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) }
        },
        (response) => {
          const status = response.statusCode ?? 0
          const chunks: Array<Buffer> = []
          response.on("data", (chunk: Buffer) => chunks.push(chunk))
          response.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8")
            const ok = status >= 200 && status < 300
            resolve({ ok, body: text, error: ok ? null : `${method} ${path}: ${status} ${text.slice(0, 300)}` })
          })
        }
      )
      request.on("error", (error) => resolve({ ok: false, body: "", error: `${method} ${path}: ${String(error)}` }))
      request.end(body)
    })
  return { send, close: () => agent.destroy() }
}

type Send = ReturnType<typeof sender>["send"]


const registered = Schema.decodeUnknownOption(Schema.parseJson(Details(Created)))

/** Where a request's outcome goes: error counts, the first error kept for the report. */
type Note = (sent: Sent) => void

class Tally {
  errors = 0
  firstError: string | null = null
  readonly note: Note = (sent) => {
    if (sent.error === null) return
    this.errors++
    this.firstError ??= sent.error
  }
}

/** Register and start a run; its id, or undefined (the error noted). */
const openRun = async (send: Send, register: string, note: Note): Promise<string | undefined> => {
  const answer = await send("POST", "/api/v1/agent_instance/register", register)
  note(answer)
  if (!answer.ok) return undefined
  const decoded = registered(answer.body)
  if (decoded._tag === "None") {
    note({ ok: false, body: "", error: `register: no details.id in ${answer.body.slice(0, 300)}` })
    return undefined
  }
  const id = decoded.value.details.id
  const started = await send("POST", `/api/v1/agent_instance/${id}/start`, "{}")
  note(started)
  return started.ok ? id : undefined
}

const finishRun = async (send: Send, run: string, note: Note): Promise<void> =>
  note(await send("POST", `/api/v1/agent_instance/${run}/finish`, JSON.stringify({ status: "complete" })))

const percentile = (sorted: Float64Array, q: number): number =>
  sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN)

// ---------------------------------------------------------------------------------------------
// The two loads

const capacity = async (job: typeof CapacityJob.Type): Promise<typeof CapacityResult.Type> => {
  const { close, send } = sender(job.url, job.token, job.connections)
  const register = JSON.stringify(job.register)
  const tally = new Tally()
  const latencies: Array<number> = []
  const measureFrom = nowMs() + job.warmupMs
  const until = measureFrom + job.durationMs
  let counter = 0
  const connection = async () => {
    while (nowMs() < until) {
      const run = await openRun(send, register, tally.note)
      if (run === undefined) continue
      for (let i = 0; i < job.spansPerRun && nowMs() < until; i++) {
        const start = nowMs()
        const sent = await send("POST", "/api/v1/agent_spans", spanBody(run, counter++))
        const end = nowMs()
        if (start >= measureFrom && end <= until) latencies.push(end - start)
        if (start >= measureFrom) tally.note(sent)
      }
      await finishRun(send, run, tally.note)
    }
  }
  await Promise.all(Array.from({ length: job.connections }, connection))
  close()
  const sorted = Float64Array.from(latencies).sort()
  const figures = { spans: latencies.length, elapsedMs: job.durationMs, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) }
  return { kind: "capacity", ...figures, errors: tally.errors, firstError: tally.firstError }
}

/** A run taking spans: how many it has been sent, and their answers to wait for before finishing it. */
interface Slot { readonly run: string; sent: number; readonly inFlight: Array<Promise<void>> }

/** The open loop; `job.durationMs` is a whole number of windows. */
const soak = async (job: typeof SoakJob.Type, report: (message: typeof Report.Type) => void): Promise<void> => {
  const { close, send } = sender(job.url, job.token, 256)
  const register = JSON.stringify(job.register)
  const tally = new Tally()
  let current = new Tally()
  let latencies: Array<number> = []
  let lifecycle = 0
  const noted: Note = (sent) => {
    tally.note(sent)
    current.note(sent)
  }
  const noteLifecycle: Note = (sent) => {
    lifecycle++
    noted(sent)
  }

  // Runs registered ahead of need, so a finished run's slot is refilled at once.
  const ready: Array<string> = []
  let opening = 0
  let runs = 0
  const reserve = Math.max(4, Math.ceil(job.activeRuns / 2))
  const replenish = () => {
    while (ready.length + opening < reserve) {
      opening++
      void openRun(send, register, noteLifecycle).then((run) => {
        opening--
        if (run !== undefined) ready.push(run)
      })
    }
  }
  const slots: Array<Slot | undefined> = []
  for (let i = 0; i < job.activeRuns; i++) {
    const run = await openRun(send, register, noted)
    slots.push(run === undefined ? undefined : { run, sent: 0, inFlight: [] })
    runs++
  }
  replenish()
  /** Finishes a run once every span sent to it is answered. */
  const retiring: Array<Promise<void>> = []
  const retire = (slot: Slot) => retiring.push(Promise.all(slot.inFlight).then(() => finishRun(send, slot.run, noteLifecycle)))
  let turn = 0
  /** The next slot's index, round-robin, the slot refilled from the ready runs; undefined when no run is ready. */
  const pick = (): number | undefined => {
    for (let tried = 0; tried < slots.length; tried++) {
      const index = turn++ % slots.length
      if (slots[index] !== undefined) return index
      const run = ready.shift()
      if (run === undefined) continue
      slots[index] = { run, sent: 0, inFlight: [] }
      runs++
      replenish()
      return index
    }
    return undefined
  }

  const start = nowMs()
  const due = (n: number) => start + (n * 1000) / job.rate
  const total = Math.round((job.rate * job.durationMs) / 1000)
  let outstanding = 0
  let answered = 0
  let measuring = true
  let drained = 0
  let drainedMax = 0
  let next = 0
  let windowEnd = start + job.windowMs
  const flush = () => {
    const sorted = Float64Array.from(latencies).sort()
    report({
      kind: "window",
      atMs: windowEnd - start,
      spans: sorted.length,
      lifecycle,
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      max: sorted[sorted.length - 1] ?? Number.NaN,
      errors: current.errors,
      firstError: current.firstError
    })
    latencies = []
    lifecycle = 0
    current = new Tally()
    windowEnd += job.windowMs
  }
  while (next < total) {
    while (next < total && due(next) <= nowMs()) {
      const index = pick()
      const slot = index === undefined ? undefined : slots[index]
      if (index === undefined || slot === undefined) break
      const scheduled = due(next)
      outstanding++
      const request = send("POST", "/api/v1/agent_spans", spanBody(slot.run, slot.sent++)).then((sent) => {
        const latency = nowMs() - scheduled
        outstanding--
        answered++
        noted(sent)
        if (measuring) {
          latencies.push(latency)
        } else {
          drained++
          drainedMax = Math.max(drainedMax, latency)
        }
      })
      slot.inFlight.push(request)
      if (slot.sent >= job.spansPerRun) {
        slots[index] = undefined
        retire(slot)
      }
      next++
    }
    if (nowMs() >= windowEnd) flush()
    // Sleep until the next request is due or the window ends, whichever comes first.
    await sleep(Math.max(1, Math.min(due(next), windowEnd) - nowMs()))
  }
  // The schedule is spent: the last window runs to its end (unless a late send already closed it), then the drain.
  if (windowEnd - start <= job.durationMs) {
    await sleep(Math.max(0, windowEnd - nowMs()))
    flush()
  }
  measuring = false
  while (outstanding > 0) await sleep(5)
  for (const slot of slots) if (slot !== undefined) retire(slot)
  await Promise.all(retiring)
  while (opening > 0) await sleep(10)
  for (const run of ready) await finishRun(send, run, noteLifecycle)
  close()
  report({ kind: "done", scheduled: total, answered, runs, drained, drainedMax, errors: tally.errors, firstError: tally.firstError })
}

// ---------------------------------------------------------------------------------------------
// The two processes' ends

const role = "AGENTLEDGER_BENCH_SOAK_LOAD"

if (process.env[role] === "1") {
  const decode = Schema.decodeUnknownSync(Job)
  const post = (message: typeof Report.Type) => process.send?.(message)
  process.on("disconnect", () => process.exit(0))
  process.on("message", (raw: unknown) => {
    const job = decode(raw)
    if (job.kind === "exit") process.exit(0)
    else if (job.kind === "capacity") void capacity(job).then(post)
    else void soak(job, post)
  })
}

/** The load process, forked from this file; one job at a time. */
export const startLoad = async () => {
  // Structured clone, so a window without answers can report NaN percentiles.
  const child = await forkLoadProcess(import.meta.url, role)
  const decode = Schema.decodeUnknownSync(Report)
  /** Sends a job; `onReport` sees each report until `last` says the job is over. */
  type Report = typeof Report.Type
  const run = <R>(job: typeof CapacityJob.Type | typeof SoakJob.Type, last: (report: Report) => R | undefined, onReport: (report: Report) => void = () => undefined) =>
    new Promise<R>((resolve, reject) => {
      const onMessage = (raw: unknown) => {
        const report = decode(raw)
        onReport(report)
        const result = last(report)
        if (result === undefined) return
        child.off("message", onMessage)
        child.off("exit", onExit)
        resolve(result)
      }
      const onExit = (code: number | null) => reject(new Error(`the load process exited (${code}) during a job`))
      child.on("message", onMessage)
      child.once("exit", onExit)
      child.send(job)
    })
  return {
    pid: child.pid,
    capacity: (job: Omit<typeof CapacityJob.Type, "kind">) =>
      run({ kind: "capacity", ...job }, (report) => (report.kind === "capacity" ? report : undefined)),
    soak: (job: Omit<typeof SoakJob.Type, "kind">, onWindow: (window: Window) => void) =>
      run({ kind: "soak", ...job }, (report) => (report.kind === "done" ? report : undefined), (report) => {
        if (report.kind === "window") onWindow(report)
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once("exit", () => resolve())
        child.send({ kind: "exit" })
        setTimeout(() => child.kill(), 2_000).unref()
      })
  }
}

