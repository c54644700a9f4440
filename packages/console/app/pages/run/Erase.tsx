/**
 * Erasing one run, offered to account tokens: **Delete run** (the run and its spans, for good:
 * `DELETE /agent_instance/{id}`) and **Redact payloads** (a finished run's inputs and outputs
 * replaced by `{"redacted": true}`: `POST /agent_instance/{id}/redact`). Each is behind a
 * confirmation that says what will happen and asks for the run's id. The API decides what may be
 * erased (a run still recording cannot be redacted); the buttons only spare the reader a refusal.
 */
import { useState } from "preact/hooks"
import { details } from "../../api/Page.js"
import { type Instance, instance as readInstance } from "../../api/Runs.js"
import type { Session } from "../../session/Session.js"
import { useAction } from "../../ui/Action.js"
import { Confirm } from "../../ui/Confirm.js"
import { count } from "../../ui/Format.js"

const runPath = (run: Instance): string => `/agent_instance/${encodeURIComponent(run.id)}`

/** The run's span count in words: "1 span", "3 spans". */
export const spanCount = (run: Instance): string => {
  const n = run.span_counts["total"] ?? 0
  return `${count(n)} ${n === 1 ? "span" : "spans"}`
}

/** Deletes the run; `onDeleted` gets the run as it was. */
export const DeleteRun = ({ session, run, onDeleted }: { readonly session: Session; readonly run: Instance; readonly onDeleted: (run: Instance) => void }) => {
  const [open, setOpen] = useState(false)
  const action = useAction()
  return (
    <>
      <button type="button" class="danger" onClick={() => setOpen(true)}>Delete run…</button>
      <Confirm
        open={open}
        title="Delete this run"
        phrase={run.id}
        what="the run's id"
        confirm="Delete run"
        busy="Deleting…"
        action={action}
        doing="delete the run"
        onClose={() => setOpen(false)}
        onConfirm={() => void action.run(() => session.client.delete(runPath(run), details(readInstance, run)), onDeleted)}
      >
        <p>
          This deletes the run and its {spanCount(run)} — their inputs, outputs, conformance and risk points — from the ledger for good. Every
          page and API route will then answer that it does not exist, and it leaves the lists, counts and charts.
        </p>
        <p>
          The audit log records the deletion: who deleted it, when, and the run's record as it was (its stamps and counts, not its payloads).
          This cannot be undone.
        </p>
      </Confirm>
    </>
  )
}

/** Redacts the run's payloads; `onRedacted` gets the run as it is now. */
export const RedactRun = ({ session, run, onRedacted }: { readonly session: Session; readonly run: Instance; readonly onRedacted: (run: Instance) => void }) => {
  const [open, setOpen] = useState(false)
  const action = useAction()
  return (
    <>
      <button type="button" class="danger" onClick={() => setOpen(true)}>Redact payloads…</button>
      <Confirm
        open={open}
        title="Redact this run's payloads"
        phrase={run.id}
        what="the run's id"
        confirm="Redact payloads"
        busy="Redacting…"
        action={action}
        doing="redact the run"
        onClose={() => setOpen(false)}
        onConfirm={() =>
          void action.run(() => session.client.post(`${runPath(run)}/redact`, {}, details(readInstance, run)), (redacted) => {
            setOpen(false)
            onRedacted(redacted)
          })}
      >
        <p>
          This replaces the inputs (payload) and outputs (result) of each of the run's {spanCount(run)} by <code>{`{"redacted": true}`}</code>,
          for good. The run stays: its spans, their statuses and times, conformance outcomes and every risk figure are kept as recorded.
        </p>
        <p>The audit log records the redaction: who asked for it and when. This cannot be undone.</p>
      </Confirm>
    </>
  )
}
