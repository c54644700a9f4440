/**
 * JSON shown as a person reads it: indented, as text (never as markup), and cut at a length a page
 * can hold, with the rest one click away.
 */
import { useState } from "preact/hooks"
import { count } from "./Format.js"

/** Beyond this many characters the text is cut until the reader asks for all of it. */
const shownAtFirst = 20_000

export const pretty = (value: unknown): string => {
  if (value === undefined) return "—"
  try {
    return JSON.stringify(value, null, 2) ?? "—"
  } catch {
    return String(value)
  }
}

export const Json = ({ value, label }: { readonly value: unknown; readonly label: string }) => {
  const [all, setAll] = useState(false)
  const text = pretty(value)
  const cut = !all && text.length > shownAtFirst
  return (
    <figure class="json">
      <figcaption>{label}</figcaption>
      <pre tabIndex={0} aria-label={label}>{cut ? `${text.slice(0, shownAtFirst)}\n…` : text}</pre>
      {cut
        ? <button type="button" onClick={() => setAll(true)}>Show all {count(text.length)} characters</button>
        : null}
    </figure>
  )
}
