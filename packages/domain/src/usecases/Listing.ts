/**
 * Paged reads: a list request checked against the domain's page limits and sort fields, and work
 * over many records cut into pages, so no statement grows past a page.
 */
import { Effect } from "effect"
import type * as Commands from "../Commands.js"
import type { InvalidInput } from "../Errors.js"
import type { Paged } from "../Ledger.js"
import type { ListQuery, Listed } from "../LedgerStore.js"
import { maxPageSize, paginate, parseSorting, validatePage } from "../Page.js"
import { fromEither } from "./Shared.js"

/** A page of a list: the request validated, `fetch` asked for that window in that order. */
export const list = <F extends string, A>(
  request: Commands.ListRequest,
  fields: ReadonlyArray<F>,
  defaultSorting: string,
  fetch: (query: ListQuery<F>) => Effect.Effect<Listed<A>>
): Effect.Effect<Paged<A>, InvalidInput> =>
  Effect.gen(function*() {
    const page = yield* fromEither(validatePage({ offset: request.offset, page_size: request.page_size }))
    const sort = yield* fromEither(parseSorting(request.sorting ?? defaultSorting, fields))
    const listed = yield* fetch({ offset: page.offset, limit: page.page_size, sort })
    return { items: listed.items, pagination: paginate(page, listed.total, listed.items.length), sorting: sort }
  })

/**
 * `work` over `records` a page at a time, answers in order: a usage call with more records than a
 * page still costs a constant number of statements per page, and no statement grows past a
 * page's parameters.
 */
export const inPages = <A, B, E>(records: ReadonlyArray<A>, work: (page: ReadonlyArray<A>) => Effect.Effect<ReadonlyArray<B>, E>) =>
  records.length <= maxPageSize
    ? work(records)
    : Effect.map(
      Effect.forEach(Array.from({ length: Math.ceil(records.length / maxPageSize) }, (_, i) => records.slice(i * maxPageSize, (i + 1) * maxPageSize)), work),
      (pages) => pages.flat()
    )
