/**
 * Pagination as the Prefactor API pages lists: zero-based `offset`, `page_size` 1–100 and a
 * `pagination` block with one-based item and page numbers.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc, Schema } from "effect"
import { Page } from "@agentledger/domain"
import { runs } from "./arbitraries.js"

describe("Page.paginate", () => {
  it("the pagination block for a few cases", () => {
    expect(Page.paginate({ offset: 0, page_size: 25 }, 0, 0)).toEqual({
      item_count: 0,
      item_start: 0,
      item_end: 0,
      page_count: 0,
      page_index: 1,
      page_offset: 0,
      page_size: 25,
      next_page_offset: null,
      previous_page_offset: null
    })
    expect(Page.paginate({ offset: 0, page_size: 25 }, 60, 25)).toEqual({
      item_count: 60,
      item_start: 1,
      item_end: 25,
      page_count: 3,
      page_index: 1,
      page_offset: 0,
      page_size: 25,
      next_page_offset: 25,
      previous_page_offset: null
    })
    expect(Page.paginate({ offset: 25, page_size: 25 }, 60, 25)).toEqual({
      item_count: 60,
      item_start: 26,
      item_end: 50,
      page_count: 3,
      page_index: 2,
      page_offset: 25,
      page_size: 25,
      next_page_offset: 50,
      previous_page_offset: 0
    })
    expect(Page.paginate({ offset: 50, page_size: 25 }, 60, 10)).toEqual({
      item_count: 60,
      item_start: 51,
      item_end: 60,
      page_count: 3,
      page_index: 3,
      page_offset: 50,
      page_size: 25,
      next_page_offset: null,
      previous_page_offset: 25
    })
    // An offset that is not a multiple of the page size; previous never goes below 0.
    expect(Page.paginate({ offset: 10, page_size: 25 }, 60, 25)).toMatchObject({
      item_start: 11,
      item_end: 35,
      next_page_offset: 35,
      previous_page_offset: 0
    })
    // Exactly one full page.
    expect(Page.paginate({ offset: 0, page_size: 100 }, 100, 100)).toMatchObject({ page_count: 1, next_page_offset: null })
  })

  it.prop(
    "for a consistent page: item range, page numbers and links agree",
    [fc.nat({ max: 500 }), fc.integer({ min: 1, max: 100 }), fc.nat({ max: 600 })],
    ([itemCount, pageSize, offset]) => {
      const returned = Math.max(0, Math.min(pageSize, itemCount - offset))
      const p = Page.paginate({ offset, page_size: pageSize }, itemCount, returned)
      expect(p.item_count).toBe(itemCount)
      if (returned > 0) {
        expect(p.item_start).toBe(offset + 1)
        expect(p.item_end - p.item_start + 1).toBe(returned)
        expect(p.page_index).toBeLessThanOrEqual(p.page_count)
      } else expect(p.item_start).toBe(0)
      expect(p.page_count).toBe(Math.ceil(itemCount / pageSize))
      expect(p.page_index).toBe(Math.floor(offset / pageSize) + 1)
      expect(p.next_page_offset).toBe(offset + pageSize < itemCount ? offset + pageSize : null)
      expect(p.previous_page_offset).toBe(offset === 0 ? null : Math.max(0, offset - pageSize))
    },
    { fastCheck: { numRuns: runs(300) } }
  )
})

describe("Page requests and sorting", () => {
  it.prop(
    "offset ≥ 0 and page_size 1–100 are accepted, anything else refused",
    [fc.integer({ min: -5, max: 1000 }), fc.integer({ min: -2, max: 105 })],
    ([offset, pageSize]) => {
      const result = Page.validatePage({ offset, page_size: pageSize })
      expect(Either.isRight(result)).toBe(offset >= 0 && pageSize >= 1 && pageSize <= 100)
      if (Either.isLeft(result)) expect(result.left._tag).toBe("InvalidInput")
    },
    { fastCheck: { numRuns: runs(200) } }
  )

  it("defaults: offset 0, page size 25", () => {
    expect(Schema.decodeUnknownSync(Page.PageRequest)({})).toEqual({ offset: 0, page_size: 25 })
  })

  it("sorting: name or -name against the allowed fields", () => {
    const fields = ["inserted_at", "name"] as const
    expect(Page.parseSorting("name", fields)).toEqual(Either.right({ field: "name", direction: "asc" }))
    expect(Page.parseSorting("-inserted_at", fields)).toEqual(Either.right({ field: "inserted_at", direction: "desc" }))
    for (const bad of ["", "-", "--name", "nam", "status", "+name"]) {
      expect(Either.isLeft(Page.parseSorting(bad, fields))).toBe(true)
    }
  })
})
