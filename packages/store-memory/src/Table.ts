/**
 * A table in memory: rows by id, and the unique keys that name a row — the store's uniqueness
 * rules, as PostgreSQL's constraints are (a violation names the constraint as PostgreSQL
 * would). Every write is journaled with its inverse, so a unit of work that fails leaves
 * nothing behind.
 */
import { type Listed, type ListQuery, UniqueViolation } from "@agentledger/domain"
import { DateTime, Effect, Option } from "effect"

/** Records the inverse of a write; a unit of work that fails replays them backwards. */
export type Journal = (undo: () => void) => void

export class Table<K extends string, A> {
  readonly rows = new Map<K, A>()
  readonly keys = new Map<string, K>()

  /**
   * `name` prefixes the constraints a violation names; `keysOf` gives a row's unique keys, as
   * `rule:value` (the rule names the constraint).
   */
  constructor(readonly name: string, readonly keysOf: (row: A) => ReadonlyArray<string> = () => []) {}

  get(id: K): Effect.Effect<Option.Option<A>> {
    return Effect.sync(() => Option.fromNullable(this.rows.get(id)))
  }

  byKey(key: string): Effect.Effect<Option.Option<A>> {
    return Effect.sync(() => {
      const id = this.keys.get(key)
      return id === undefined ? Option.none() : Option.fromNullable(this.rows.get(id))
    })
  }

  /** Inserts a row under its id and unique keys, or names the first key already taken. */
  insert(journal: Journal, id: K, row: A): Effect.Effect<void, UniqueViolation> {
    return Effect.suspend(() => {
      if (this.rows.has(id)) return Effect.fail(new UniqueViolation({ constraint: `${this.name}_pkey` }))
      const keys = this.keysOf(row)
      for (const key of keys) if (this.keys.has(key)) return Effect.fail(this.violated(key))
      this.rows.set(id, row)
      for (const key of keys) this.keys.set(key, id)
      journal(() => {
        this.rows.delete(id)
        for (const key of keys) this.keys.delete(key)
      })
      return Effect.void
    })
  }

  /** Replaces a row; unique keys that change move with it. */
  replace(journal: Journal, id: K, row: A): Effect.Effect<void, UniqueViolation> {
    return Effect.suspend(() => {
      const previous = this.rows.get(id)
      if (previous === undefined) return Effect.void
      const before = this.keysOf(previous)
      const after = this.keysOf(row)
      for (const key of after) {
        const holder = this.keys.get(key)
        if (holder !== undefined && holder !== id) return Effect.fail(this.violated(key))
      }
      for (const key of before) this.keys.delete(key)
      for (const key of after) this.keys.set(key, id)
      this.rows.set(id, row)
      journal(() => {
        for (const key of after) this.keys.delete(key)
        for (const key of before) this.keys.set(key, id)
        this.rows.set(id, previous)
      })
      return Effect.void
    })
  }

  remove(journal: Journal, id: K): Effect.Effect<void> {
    return Effect.sync(() => {
      const previous = this.rows.get(id)
      if (previous === undefined) return
      const keys = this.keysOf(previous)
      this.rows.delete(id)
      for (const key of keys) this.keys.delete(key)
      journal(() => {
        this.rows.set(id, previous)
        for (const key of keys) this.keys.set(key, id)
      })
    })
  }

  private violated(key: string): UniqueViolation {
    return new UniqueViolation({ constraint: `${this.name}_${key.split(":")[0]}_key` })
  }
}

const compareValues = (a: unknown, b: unknown): number => {
  if (a === b) return 0
  if (a === null || a === undefined) return 1
  if (b === null || b === undefined) return -1
  if (DateTime.isDateTime(a) && DateTime.isDateTime(b)) return DateTime.toEpochMillis(a) - DateTime.toEpochMillis(b)
  if (typeof a === "number" && typeof b === "number") return a - b
  const x = String(a)
  const y = String(b)
  return x < y ? -1 : x > y ? 1 : 0
}

/**
 * Filters, orders (ties by id) and pages rows as the list endpoints do; `valueOf` is what a row
 * sorts by under a field (its own value, unless the domain says otherwise).
 */
export const listOf = <A extends { readonly id: string }, F extends keyof A & string>(
  rows: Iterable<A>,
  keep: (row: A) => boolean,
  query: ListQuery<F>,
  valueOf: (row: A, field: F) => unknown = (row, field) => row[field]
): Listed<A> => {
  const kept: Array<A> = []
  for (const row of rows) if (keep(row)) kept.push(row)
  const sign = query.sort.direction === "asc" ? 1 : -1
  const field = query.sort.field
  kept.sort((a, b) => sign * (compareValues(valueOf(a, field), valueOf(b, field)) || compareValues(a.id, b.id)))
  return { items: kept.slice(query.offset, query.offset + query.limit), total: kept.length }
}
