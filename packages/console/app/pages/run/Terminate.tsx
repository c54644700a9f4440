/**
 * Terminating a run: the reason is asked for (the API keeps it on the run), and the run's open
 * spans become terminated. Offered to account tokens while the run is open.
 */
import { useState } from "preact/hooks"
import { instance } from "../../api/Runs.js"
import type { Session } from "../../session/Session.js"
import { useAction } from "../../ui/Action.js"
import { Dialog } from "../../ui/Dialog.js"
import { Failed } from "../../ui/Feedback.js"

export const Terminate = ({ session, runId, onDone }: { readonly session: Session; readonly runId: string; readonly onDone: () => void }) => {
  const [open, setOpen] = useState(false)
  const [reason, setReason] = useState("")
  const action = useAction()
  const close = () => {
    setOpen(false)
    action.clear()
  }
  const submit = (event: Event) => {
    event.preventDefault()
    if (reason.trim() === "") {
      action.fail({ status: 400, code: "validation_errors", message: "", fields: [["reason", ["say why the run is terminated"]]] })
      return
    }
    void action.run(() => session.client.post(`/agent_instance/${encodeURIComponent(runId)}/terminate`, { reason: reason.trim() }, (r) => r.object("details", instance, null)), () => {
      close()
      onDone()
    })
  }
  return (
    <>
      <button type="button" class="danger" onClick={() => setOpen(true)}>Terminate…</button>
      <Dialog open={open} title="Terminate this run" onClose={close}>
        <form onSubmit={submit}>
          <p>The run and its open spans become terminated. This cannot be undone; the agent's SDK stops the run when it next hears from the server.</p>
          <label for="terminate-reason">Reason (kept on the run)</label>
          <textarea id="terminate-reason" required rows={3} value={reason} onInput={(event) => setReason(event.currentTarget.value)} />
          {action.failure === null ? null : <Failed failure={action.failure} doing="terminate the run" />}
          <div class="actions">
            <button type="button" onClick={close}>Cancel</button>
            <button type="submit" class="danger" disabled={action.busy}>{action.busy ? "Terminating…" : "Terminate run"}</button>
          </div>
        </form>
      </Dialog>
    </>
  )
}
