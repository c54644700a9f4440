/**
 * Signing in: a token is pasted, checked with the API (`/ping`) and kept in memory only. The
 * field is a password field that browsers are asked not to remember, and the form never submits
 * anywhere (the token travels in an Authorization header, never in a URL).
 */
import { useState } from "preact/hooks"
import type { Answer, Failure } from "../api/Client.js"
import { useAction } from "../ui/Action.js"
import { Failed } from "../ui/Feedback.js"
import { useTitle } from "../ui/Layout.js"

export const SignIn = ({ onSignIn, notice }: {
  readonly onSignIn: (token: string) => Promise<Failure | null>
  readonly notice: string | null
}) => {
  useTitle("Sign in")
  const [token, setToken] = useState("")
  const action = useAction()
  const submit = (event: Event) => {
    event.preventDefault()
    const trimmed = token.trim()
    if (trimmed === "") {
      action.fail({ status: 400, code: "validation_errors", message: "", fields: [["token", ["paste a token first"]]] })
      return
    }
    // A mark the bench reads: the first page after signing in is measured from here.
    performance.mark("console:sign-in")
    void action.run(async (): Promise<Answer<null>> => {
      const refused = await onSignIn(trimmed)
      return refused === null ? { _tag: "Ok", value: null } : { _tag: "Failed", failure: refused }
    })
  }
  return (
    <main id="main" class="sign-in">
      <h1>agentledger console</h1>
      <p>Review what your agents did: their runs, every span, conformance and risk.</p>
      {notice === null ? null : <p class="notice" role="status">{notice}</p>}
      <form onSubmit={submit} aria-describedby="token-help">
        <label for="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          spellcheck={false}
          value={token}
          onInput={(event) => setToken(event.currentTarget.value)}
          required
        />
        <p id="token-help" class="help">
          Paste an account token (the server prints one on its first start) or a deployment token (a deployment token sees only its
          agent's runs). The token stays in this tab's memory: reloading or closing the tab signs you out.
        </p>
        <button type="submit" disabled={action.busy}>{action.busy ? "Signing in…" : "Sign in"}</button>
      </form>
      {action.failure === null ? null : <Failed failure={action.failure} doing="sign in" />}
    </main>
  )
}
