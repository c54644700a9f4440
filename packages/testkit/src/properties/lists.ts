/**
 * Lists: paging and sorting over any page request.
 */
import { expect, it } from "@effect/vitest"
import { DateTime, Effect, FastCheck as fc } from "effect"
import * as Arbitraries from "../arbitraries/index.js"
import { everything, tenant } from "../harness.js"
import type { PropertyContext } from "./context.js"

export const listProperties = <E>({ fresh, runs: n, timeout }: PropertyContext<E>): void => {
  it.live.prop(
    "every page is the matching slice of the whole sorted list, with a consistent pagination block",
    {
      names: fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{0,11}$/), { minLength: 0, maxLength: 20, selector: (s) => s.toLowerCase() }),
      requests: fc.array(Arbitraries.listRequest(["id", "name", "inserted_at"]), { minLength: 1, maxLength: 5 })
    },
    ({ names, requests }) =>
      fresh(Effect.gen(function*() {
        const t = yield* tenant()
        for (const name of names.filter((n) => !["development", "staging", "production"].includes(n))) {
          yield* t.session.createEnvironment({ name, purpose: "testing" })
        }
        const all = (yield* t.session.listEnvironments(everything)).items
        for (const request of requests) {
          const page = yield* t.session.listEnvironments(request)
          const sorting = request.sorting ?? "name"
          const descending = sorting.startsWith("-")
          const field = descending ? sorting.slice(1) : sorting
          const key = (e: (typeof all)[number]) => field === "name" ? e.name : field === "id" ? e.id : DateTime.toEpochMillis(e.inserted_at)
          const sorted = [...all].sort((a, b) => {
            const x = key(a)
            const y = key(b)
            const order = x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0
            return descending ? -order : order
          })
          const slice = sorted.slice(request.offset, request.offset + request.page_size)
          expect(page.items.map((e) => e.id)).toEqual(slice.map((e) => e.id))
          expect(page.pagination).toEqual({
            item_count: all.length,
            item_start: slice.length === 0 ? 0 : request.offset + 1,
            item_end: request.offset + slice.length,
            page_count: Math.ceil(all.length / request.page_size),
            page_index: Math.floor(request.offset / request.page_size) + 1,
            page_offset: request.offset,
            page_size: request.page_size,
            next_page_offset: request.offset + request.page_size < all.length ? request.offset + request.page_size : null,
            previous_page_offset: request.offset === 0 ? null : Math.max(0, request.offset - request.page_size)
          })
        }
      })),
    { timeout, fastCheck: { numRuns: n(20) } }
  )
}
