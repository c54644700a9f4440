/**
 * Loading an answer into a component: `useAnswer` runs a call when its inputs change, keeps the
 * newest answer only (an older call that ends later is ignored), and can be run again.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks"
import type { Answer, Failure } from "../api/Client.js"

export type Loaded<A> =
  | { readonly _tag: "Loading" }
  | { readonly _tag: "Ok"; readonly value: A }
  | { readonly _tag: "Failed"; readonly failure: Failure }

export interface Loader<A> {
  readonly state: Loaded<A>
  /** Runs the call again (after a change the page made). */
  readonly reload: () => void
}

/** The answer of `call`, run again whenever one of `inputs` changes. */
export const useAnswer = <A>(call: () => Promise<Answer<A>>, inputs: ReadonlyArray<unknown>): Loader<A> => {
  const [state, setState] = useState<Loaded<A>>({ _tag: "Loading" })
  const [round, setRound] = useState(0)
  const latest = useRef(0)
  useEffect(() => {
    const ticket = ++latest.current
    call().then((answer) => {
      if (ticket !== latest.current) return
      setState(answer._tag === "Ok" ? { _tag: "Ok", value: answer.value } : { _tag: "Failed", failure: answer.failure })
    }, (error: unknown) => {
      if (ticket !== latest.current) return
      setState({ _tag: "Failed", failure: { status: 0, code: "console_bug", message: String(error), fields: [] } })
    })
    return () => {
      latest.current++
    }
    // The caller names the inputs the call depends on; the call itself is new on every render.
  }, [...inputs, round])
  const reload = useCallback(() => setRound((n) => n + 1), [])
  return { state, reload }
}
