/**
 * Signing in: a token is pasted, checked with the API (`/ping`) and kept in memory only. The
 * field is a password field that browsers are asked not to remember, and the form never submits
 * anywhere (the token travels in an Authorization header, never in a URL).
 */
import { useState } from "preact/hooks"
import type { Failure } from "../api/Client.js"
import { Failed } from "../ui/Feedback.js"
import { useTitle } from "../ui/Layout.js"

export const SignIn = ({ onSignIn, notice }: {
  readonly onSignIn: (token: string) => Promise<Failure | null>
  readonly notice: string | null
}) => {
  useTitle("Sign in")
  const [token, setToken] = useState("")
  const [busy, setBusy] = useState(false)
  const [failure, setFailure] = useState<Failure | null>(null)
  const submit = async (event: Event) => {
    event.preventDefault()
    const trimmed = token.trim()
    if (trimmed === "") {
      setFailure({ status: 400, code: "validation_errors", message: "", fields: [["token", ["paste a token first"]]] })
      return
    }
    setBusy(true)
    // A mark the bench reads: the first page after signing in is measured from here.
    performance.mark("console:sign-in")
    const refused = await onSignIn(trimmed)
    setBusy(false)
    if (refused !== null) setFailure(refused)
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
        <button type="submit" disabled={busy}>{busy ? "Signing in…" : "Sign in"}</button>
      </form>
      {failure === null ? null : <Failed failure={failure} doing="sign in" />}
    </main>
  )
}
