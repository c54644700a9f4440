/**
 * A modal dialog on the native `<dialog>` element: it keeps focus inside while open, Escape
 * closes it, and focus returns to what opened it.
 */
import type { ComponentChildren } from "preact"
import { useEffect, useId, useRef } from "preact/hooks"

export const Dialog = ({ open, title, onClose, children }: {
  readonly open: boolean
  readonly title: string
  readonly onClose: () => void
  readonly children: ComponentChildren
}) => {
  const dialog = useRef<HTMLDialogElement>(null)
  // A page may hold several dialogs (a run's Terminate, Redact, Delete): each is named by its own title.
  const titleId = useId()
  useEffect(() => {
    const element = dialog.current
    if (element === null) return
    if (open && !element.open) element.showModal()
    if (!open && element.open) element.close()
  }, [open])
  return (
    <dialog ref={dialog} aria-labelledby={titleId} onClose={onClose} onCancel={onClose}>
      <h2 id={titleId}>{title}</h2>
      {open ? children : null}
    </dialog>
  )
}
