/**
 * Verifying the account's hash chain on demand (`GET /audit_event/verify`: the server recomputes
 * every event's hash in sequence order): whether the chain holds, how many events it covers, its
 * head, and — when it breaks — the first event that does not match and why, in words.
 */
import { useState } from "preact/hooks"
import { type MismatchReason, type Verification, verification, verificationPlaceholder } from "../../api/Audit.js"
import { details } from "../../api/Page.js"
import type { Session } from "../../session/Session.js"
import { useAction } from "../../ui/Action.js"
import { Failed } from "../../ui/Feedback.js"
import { count, dateTime } from "../../ui/Format.js"

/** What each reason means (docs/security.md, "Audit trail"). */
const reasons: Readonly<Record<MismatchReason, string>> = {
  out_of_sequence: "its sequence number is not its place in the chain: an event before it is missing or was moved",
  broken_link: "its previous_hash is not the hash of the event before it: an earlier event was changed and re-hashed, or replaced",
  altered: "its hash is not the hash of its content: it was changed after it was written",
  head_mismatch: "the chain ends elsewhere than at the head the server recorded: events were removed from its end"
}

const events = (n: number): string => `${count(n)} ${n === 1 ? "event" : "events"}`

const Result = ({ result, at }: { readonly result: Verification; readonly at: string }) => (
  <div class={`verification ${result.valid ? "holds" : "broken"}`} role="status" aria-live="polite">
    {result.valid
      ? <p><strong>✓ The chain holds.</strong> {result.events === 0 ? "The log has no event yet." : `All ${events(result.events)} verify.`}</p>
      : <p><strong>✗ The chain does not hold.</strong> {events(result.events)} before the first mismatch verify.</p>}
    <dl class="facts">
      <dt>Events covered</dt>
      <dd class="covered">{count(result.events)}</dd>
      <dt>Head</dt>
      <dd>{result.head === null ? "none" : <>event #{result.head.sequence}, hash <code class="hash">{result.head.hash}</code></>}</dd>
      {result.first_mismatch === null ? null : (
        <>
          <dt>First mismatch</dt>
          <dd class="mismatch">
            event #{result.first_mismatch.sequence}
            {result.first_mismatch.id === null ? " (no event there)" : <> (<code>{result.first_mismatch.id}</code>)</>}: {reasons[result.first_mismatch.reason]}
          </dd>
        </>
      )}
      <dt>Verified</dt>
      <dd>{dateTime(at)}</dd>
    </dl>
  </div>
)

export const VerifyChain = ({ session }: { readonly session: Session }) => {
  const [result, setResult] = useState<{ readonly verification: Verification; readonly at: string } | null>(null)
  const action = useAction()
  const verify = () =>
    void action.run(() => session.client.get("/audit_event/verify", details(verification, verificationPlaceholder)), (answer) =>
      setResult({ verification: answer, at: new Date().toISOString() }))
  return (
    <section class="card" aria-label="Chain verification">
      <h2>Tamper evidence</h2>
      <p>
        Each event carries the SHA-256 of its content and of the event before it. Verifying asks the server to recompute the whole chain, in
        order, and to name the first event that does not match.
      </p>
      <button type="button" onClick={verify} disabled={action.busy}>{action.busy ? "Verifying…" : "Verify chain"}</button>
      {action.failure === null ? null : <Failed failure={action.failure} doing="verify the chain" />}
      {result === null ? null : <Result result={result.verification} at={result.at} />}
    </section>
  )
}
