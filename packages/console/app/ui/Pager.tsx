/** Where a page of a list sits, with the way to the previous and next page. */
import type { Pagination } from "../api/Page.js"
import { count } from "./Format.js"

export const Pager = ({ pagination, onOffset, what }: {
  readonly pagination: Pagination
  readonly onOffset: (offset: number) => void
  readonly what: string
}) => {
  const { item_count, next_page_offset, page_count, page_index, previous_page_offset } = pagination
  if (item_count === 0 || page_count <= 1) return null
  return (
    <nav class="pager" aria-label={`Pages of ${what}`}>
      <button type="button" disabled={previous_page_offset === null} onClick={() => previous_page_offset !== null && onOffset(previous_page_offset)}>
        ← Previous
      </button>
      <span>Page {page_index} of {Math.max(page_count, 1)} · {count(item_count)} {what}</span>
      <button type="button" disabled={next_page_offset === null} onClick={() => next_page_offset !== null && onOffset(next_page_offset)}>
        Next →
      </button>
    </nav>
  )
}
