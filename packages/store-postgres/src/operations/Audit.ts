/**
 * `StoreTx.audit` on PostgreSQL. The chain's head is a row per account (`audit_heads`) that
 * `head` reads `FOR UPDATE`: a second unit appending in the account waits on it, then reads the
 * head the first one wrote (READ COMMITTED re-reads a locked row once it is released). The row
 * is made the first time an account's head is read (`INSERT … ON CONFLICT DO NOTHING`, so two
 * first appends meet on it, the second waiting for the first), with sequence 0 for no event; an
 * append writes the event and moves the head in one statement.
 */
import { Audit, type StoreTx } from "@agentledger/domain"
import { Effect, Option } from "effect"
import * as AuditEvents from "../tables/AuditEvents.js"
import * as Columns from "../tables/Columns.js"
import { list, many, type Scope, unguarded } from "./Statements.js"

export const audit = (scope: Scope): StoreTx["audit"] => {
  const { account, mine, optional, sql } = scope
  const locked = sql`SELECT sequence, hash FROM audit_heads WHERE ${mine} FOR UPDATE`
  const headOf = (rows: ReadonlyArray<Columns.Row>): Option.Option<Option.Option<Audit.ChainHead>> => {
    const row = rows[0]
    if (row === undefined) return Option.none()
    const sequence = Columns.integer(row, "sequence")
    return Option.some(sequence === 0 ? Option.none() : Option.some({ sequence, hash: Columns.text(row, "hash") }))
  }
  return {
    head: Effect.gen(function*() {
      const found = headOf(yield* locked)
      if (Option.isSome(found)) return found.value
      // The account's first read of its head: the row is made once, whoever comes first, then locked.
      yield* sql`INSERT INTO audit_heads (account_id, sequence, hash) VALUES (${account}, 0, ${Audit.genesisHash}) ON CONFLICT DO NOTHING`
      return Option.flatten(headOf(yield* locked))
    }).pipe(Effect.orDie),
    append: (event) => {
      const row = AuditEvents.toRow(event)
      return unguarded(
        sql`WITH appended AS (INSERT INTO audit_events ${sql.insert(row)} RETURNING sequence, hash)
            UPDATE audit_heads SET sequence = appended.sequence, hash = appended.hash
            FROM appended WHERE audit_heads.account_id = ${account}`
      )
    },
    list: (filter, query) =>
      list(
        scope,
        AuditEvents.table,
        sql.and([
          mine,
          ...optional("entity", filter.entity),
          ...optional("entity_id", filter.entity_id),
          ...optional("actor_type", filter.actor_type),
          ...optional("actor_id", filter.actor_id),
          ...optional("action", filter.action),
          ...(filter.occurred_after === undefined ? [] : [sql`occurred_at >= ${Columns.timestampAt(filter.occurred_after)}`]),
          ...(filter.occurred_before === undefined ? [] : [sql`occurred_at < ${Columns.timestampAt(filter.occurred_before)}`])
        ]),
        query,
        AuditEvents.fromRow
      ),
    batch: (after, limit) =>
      many(sql`SELECT * FROM audit_events WHERE ${mine} AND sequence > ${after} ORDER BY sequence LIMIT ${limit}`, AuditEvents.fromRow)
  }
}
