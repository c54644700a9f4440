/**
 * Lists as the Prefactor API pages them: zero-based `offset`, `page_size` 1–100, and a
 * `pagination` block with one-based item and page numbers.
 */
import { Either, Schema } from "effect"
import { InvalidInput } from "./Errors.js"

export const maxPageSize = 100
export const defaultPageSize = 25

export const PageRequest = Schema.Struct({
  offset: Schema.optionalWith(Schema.Int, { default: () => 0, exact: true }),
  page_size: Schema.optionalWith(Schema.Int, { default: () => defaultPageSize, exact: true })
})
export type PageRequest = typeof PageRequest.Type

export const Pagination = Schema.Struct({
  item_count: Schema.Int,
  item_start: Schema.Int,
  item_end: Schema.Int,
  page_count: Schema.Int,
  page_index: Schema.Int,
  page_offset: Schema.Int,
  page_size: Schema.Int,
  next_page_offset: Schema.NullOr(Schema.Int),
  previous_page_offset: Schema.NullOr(Schema.Int)
}).annotations({ identifier: "Pagination" })
export type Pagination = typeof Pagination.Type

export const validatePage = (page: PageRequest): Either.Either<PageRequest, InvalidInput> => {
  if (page.offset < 0) return Either.left(InvalidInput.field("pagination[offset]", "must be 0 or more"))
  if (page.page_size < 1 || page.page_size > maxPageSize) {
    return Either.left(InvalidInput.field("pagination[page_size]", `must be 1–${maxPageSize}`))
  }
  return Either.right(page)
}

/** The pagination block for a page of `returned` items out of `itemCount`. */
export const paginate = (page: PageRequest, itemCount: number, returned: number): Pagination => {
  const { offset, page_size } = page
  const next = offset + page_size
  return {
    item_count: itemCount,
    item_start: returned === 0 ? 0 : offset + 1,
    item_end: offset + returned,
    page_count: Math.ceil(itemCount / page_size),
    page_index: Math.floor(offset / page_size) + 1,
    page_offset: offset,
    page_size,
    next_page_offset: next < itemCount ? next : null,
    previous_page_offset: offset === 0 ? null : Math.max(0, offset - page_size)
  }
}

export const SortDirection = Schema.Literal("asc", "desc")
export type SortDirection = typeof SortDirection.Type

export interface Sorting<F extends string> {
  readonly field: F
  readonly direction: SortDirection
}

/** Reads `name` / `-name` against the fields a list may be sorted by. */
export const parseSorting = <F extends string>(
  text: string,
  fields: ReadonlyArray<F>
): Either.Either<Sorting<F>, InvalidInput> => {
  const descending = text.startsWith("-")
  const name = descending ? text.slice(1) : text
  const field = fields.find((candidate) => candidate === name)
  return field === undefined
    ? Either.left(InvalidInput.field("sorting", `must be one of ${fields.join(", ")}, optionally prefixed with -`))
    : Either.right({ field, direction: descending ? "desc" : "asc" })
}
