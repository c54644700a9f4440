/**
 * How a page says that something is loading, failed, or that a list is empty: in words, in a live
 * region for assistive technology, never as a bare spinner or a blank.
 */
import type { ComponentChildren } from "preact"
import type { Failure } from "../api/Client.js"
import { wordsOf } from "../api/Words.js"

export const Loading = ({ what }: { readonly what: string }) => (
  <p class="loading" role="status" aria-live="polite">Loading {what}…</p>
)

/** A failure in words, with what the server added and, when given, a way to try again. */
export const Failed = ({ failure, retry, doing }: { readonly failure: Failure; readonly retry?: () => void; readonly doing?: string }) => {
  const words = wordsOf(failure)
  return (
    <div class="failure" role="alert">
      <p>
        {doing === undefined ? null : <strong>Could not {doing}. </strong>}
        {words.summary}
      </p>
      {words.details.length === 0 ? null : (
        <ul>
          {words.details.map((detail) => <li key={detail}>{detail}</li>)}
        </ul>
      )}
      {retry === undefined ? null : <button type="button" onClick={retry}>Try again</button>}
    </div>
  )
}

/** What an empty list shows: why it is empty, and what would fill it. */
export const Empty = ({ children }: { readonly children: ComponentChildren }) => <div class="empty" role="status">{children}</div>

/** A short confirmation that an action was done. */
export const Done = ({ children }: { readonly children: ComponentChildren }) => <p class="done" role="status" aria-live="polite">{children}</p>
