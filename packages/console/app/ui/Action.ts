/**
 * What a form or a button does when it changes something: `useAction` runs one call at a time,
 * says while it runs (`busy`, for the button's label and `disabled`), keeps the failure to show
 * in words (`Failed`), and hands a success to the page. Every form of the console submits through
 * it, so each says the same things the same way.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks"
import type { Answer, Failure } from "../api/Client.js"

export interface Action {
  /** Whether a call is under way (a second one is not started meanwhile). */
  readonly busy: boolean
  /** Why the last call failed; null after a success, or before any call. */
  readonly failure: Failure | null
  /** Runs `call`; on success the failure is cleared and `then` gets the answer. */
  readonly run: <A>(call: () => Promise<Answer<A>>, then?: (value: A) => void) => Promise<void>
  /** A form's submit handler: the browser's own submission is prevented, then `run`. */
  readonly submit: <A>(call: () => Promise<Answer<A>>, then?: (value: A) => void) => (event: Event) => void
  /** Shows a failure found before asking the server (a field the form checks itself). */
  readonly fail: (failure: Failure) => void
  /** Forgets the failure (a dialog closed, a form reset). */
  readonly clear: () => void
}

/** A failure of the console itself (a call that threw), said like the server's. */
const thrown = (error: unknown): Failure => ({ status: 0, code: "console_bug", message: String(error), fields: [] })

/** One action of a form or a button. */
export const useAction = (): Action => {
  const [busy, setBusy] = useState(false)
  const [failure, setFailure] = useState<Failure | null>(null)
  const running = useRef(false)
  const mounted = useRef(true)
  useEffect(() => {
    mounted.current = true
    return () => {
      mounted.current = false
    }
  }, [])
  const run = useCallback(async <A>(call: () => Promise<Answer<A>>, then?: (value: A) => void): Promise<void> => {
    if (running.current) return
    running.current = true
    setBusy(true)
    let answer: Answer<A>
    try {
      answer = await call()
    } catch (error: unknown) {
      answer = { _tag: "Failed", failure: thrown(error) }
    }
    running.current = false
    // A page left while its call ran (a deleted run's page goes) has nothing left to tell.
    if (!mounted.current) return
    setBusy(false)
    if (answer._tag === "Failed") return setFailure(answer.failure)
    setFailure(null)
    then?.(answer.value)
  }, [])
  const submit = useCallback(<A>(call: () => Promise<Answer<A>>, then?: (value: A) => void) => (event: Event) => {
    event.preventDefault()
    void run(call, then)
  }, [run])
  const clear = useCallback(() => setFailure(null), [])
  return { busy, failure, run, submit, fail: setFailure, clear }
}
