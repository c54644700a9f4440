/**
 * The confirmation of something that cannot be undone (deleting a run, redacting its payloads,
 * erasing an agent's runs): a dialog that says exactly what will happen, then asks the reader to
 * type a phrase it shows (the run's id, the agent's name) — a deliberate step, not a reflex click.
 * Until the phrase matches, confirming says what is missing and does nothing. Cancel, Escape or
 * closing the dialog changes nothing.
 */
import type { ComponentChildren } from "preact"
import { useId, useState } from "preact/hooks"
import type { Action } from "./Action.js"
import { Dialog } from "./Dialog.js"
import { Failed } from "./Feedback.js"

export const Confirm = ({ open, title, phrase, what, confirm, busy, action, doing, onConfirm, onClose, children }: {
  readonly open: boolean
  readonly title: string
  /** What the reader types to confirm. */
  readonly phrase: string
  /** What the phrase is, for its field's label ("the run's id"). */
  readonly what: string
  /** The confirming button's label, and what it says while the call runs. */
  readonly confirm: string
  readonly busy: string
  /** The action the dialog runs: its failure is shown in the dialog. */
  readonly action: Action
  /** What failed, in words ("delete the run"). */
  readonly doing: string
  readonly onConfirm: () => void
  readonly onClose: () => void
  /** What will happen, in words. */
  readonly children: ComponentChildren
}) => {
  const [typed, setTyped] = useState("")
  const [unconfirmed, setUnconfirmed] = useState(false)
  const id = useId()
  const close = () => {
    setTyped("")
    setUnconfirmed(false)
    action.clear()
    onClose()
  }
  const submit = (event: Event) => {
    event.preventDefault()
    const matches = typed.trim() === phrase
    setUnconfirmed(!matches)
    if (matches) onConfirm()
  }
  return (
    <Dialog open={open} title={title} onClose={close}>
      <form onSubmit={submit} class="confirm">
        <div class="consequences">{children}</div>
        <p>
          To confirm, type {what}: <code class="phrase">{phrase}</code>
        </p>
        <label for={`${id}-phrase`}>Type {what} to confirm</label>
        <input
          id={`${id}-phrase`}
          autoComplete="off"
          spellcheck={false}
          aria-invalid={unconfirmed}
          aria-describedby={unconfirmed ? `${id}-unconfirmed` : undefined}
          value={typed}
          onInput={(event) => setTyped(event.currentTarget.value)}
        />
        {unconfirmed
          ? <p class="failure" role="alert" id={`${id}-unconfirmed`}>Nothing was done: type {what} exactly as shown to confirm.</p>
          : null}
        {action.failure === null ? null : <Failed failure={action.failure} doing={doing} />}
        <div class="actions">
          <button type="button" onClick={close}>Cancel</button>
          <button type="submit" class="danger" disabled={action.busy}>{action.busy ? busy : confirm}</button>
        </div>
      </form>
    </Dialog>
  )
}
