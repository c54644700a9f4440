/**
 * Lists as the API pages them: `{summaries, pagination}` read into the items and where the page
 * sits. The size of a page the console asks for, and the largest the API serves.
 */
import type { Reader } from "./Read.js"

export interface Pagination {
  readonly item_count: number
  readonly page_count: number
  readonly page_index: number
  readonly page_offset: number
  readonly page_size: number
  readonly next_page_offset: number | null
  readonly previous_page_offset: number | null
}

export interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly pagination: Pagination
}

/** The console's page of a list a person reads. */
export const pageSize = 25

/** The largest page the API serves (what the console asks for when it reads a whole list). */
export const maxPageSize = 100

const pagination = (r: Reader): Pagination => ({
  item_count: r.number("item_count"),
  page_count: r.number("page_count"),
  page_index: r.number("page_index"),
  page_offset: r.number("page_offset"),
  page_size: r.number("page_size"),
  next_page_offset: r.nullableNumber("next_page_offset"),
  previous_page_offset: r.nullableNumber("previous_page_offset")
})

/** A list answer whose items `item` reads. */
export const page = <A>(item: (reader: Reader) => A) => (r: Reader): Page<A> => ({
  items: r.array("summaries", item),
  pagination: r.object("pagination", pagination, { item_count: 0, page_count: 0, page_index: 1, page_offset: 0, page_size: 0, next_page_offset: null, previous_page_offset: null })
})

/** A single-record answer's `details`. */
export const details = <A>(item: (reader: Reader) => A, placeholder: A) => (r: Reader): A => r.object("details", item, placeholder)

/** A single-record answer's `details`, when it may be null (a run without a profile has no risk report). */
export const nullableDetails = <A>(item: (reader: Reader) => A) => (r: Reader): A | null => r.nullableObject("details", item)
