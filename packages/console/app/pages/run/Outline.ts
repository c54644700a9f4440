/**
 * Reading a run's span outline (`GET /agent_instance/{id}/spans`: no payloads) into a
 * `SpanForest`, a page at a time: the first page alone first, so the tree paints as soon as it
 * is in, then the rest a few pages at once, added in order. The tree re-renders at most once per
 * animation frame however fast pages arrive.
 */
import { useEffect, useRef, useState } from "preact/hooks"
import type { Client, Failure } from "../../api/Client.js"
import { maxPageSize, page } from "../../api/Page.js"
import { type SpanOutline, spanOutline } from "../../api/Runs.js"
import { SpanForest } from "./SpanForest.js"

export interface Outline {
  readonly forest: SpanForest
  /** How many spans the run has, once the first page said. */
  readonly total: number | null
  readonly done: boolean
  readonly failure: Failure | null
  /** Changes whenever the forest does, so that what reads it renders again. */
  readonly version: number
}

/** Pages read at once after the first: enough to hide the latency, few enough to leave the browser's connections for the rest. */
const concurrency = 4

const readPage = (client: Client, runId: string, offset: number) =>
  client.get(`/agent_instance/${encodeURIComponent(runId)}/spans`, page(spanOutline), {
    "pagination[offset]": offset,
    "pagination[page_size]": maxPageSize
  })

/** The outline of run `runId`, read again whenever `round` changes. */
export const useOutline = (client: Client, runId: string, round: number): Outline => {
  const [state, setState] = useState<Outline>(() => ({ forest: new SpanForest(), total: null, done: false, failure: null, version: 0 }))
  const frame = useRef<number | null>(null)
  useEffect(() => {
    let stopped = false
    const forest = new SpanForest()
    let total: number | null = null
    let version = 0
    const publish = (now: boolean, extra: Partial<Pick<Outline, "done" | "failure">> = {}) => {
      if (stopped) return
      const apply = () => {
        frame.current = null
        setState((prior) => ({ forest, total, done: extra.done ?? prior.done, failure: extra.failure ?? prior.failure, version: ++version }))
      }
      if (now) {
        if (frame.current !== null) cancelAnimationFrame(frame.current)
        apply()
      } else if (frame.current === null) {
        frame.current = requestAnimationFrame(apply)
      }
    }
    setState({ forest, total: null, done: false, failure: null, version: 0 })
    const load = async () => {
      const first = await readPage(client, runId, 0)
      if (stopped) return
      if (first._tag === "Failed") return publish(true, { failure: first.failure, done: true })
      total = first.value.pagination.item_count
      forest.add(first.value.items)
      publish(true)
      const offsets: Array<number> = []
      for (let offset = first.value.items.length; offset < total; offset += maxPageSize) offsets.push(offset)
      const arrived = new Map<number, ReadonlyArray<SpanOutline>>()
      let nextToAdd = 0
      let nextToRead = 0
      let failure: Failure | null = null
      const worker = async () => {
        while (!stopped && failure === null && nextToRead < offsets.length) {
          const index = nextToRead++
          const offset = offsets[index]
          if (offset === undefined) return
          const answer = await readPage(client, runId, offset)
          if (answer._tag === "Failed") {
            failure = answer.failure
            return
          }
          arrived.set(index, answer.value.items)
          // Pages are added in order, so every parent is in before its children.
          for (let items = arrived.get(nextToAdd); items !== undefined; items = arrived.get(nextToAdd)) {
            arrived.delete(nextToAdd++)
            forest.add(items)
          }
          publish(false)
        }
      }
      await Promise.all(Array.from({ length: Math.min(concurrency, offsets.length) }, worker))
      if (stopped) return
      forest.settle()
      publish(true, failure === null ? { done: true } : { done: true, failure })
    }
    void load()
    return () => {
      stopped = true
      if (frame.current !== null) cancelAnimationFrame(frame.current)
      frame.current = null
    }
  }, [client, runId, round])
  return state
}
