/**
 * Span ingest without a transaction (`LedgerStore.append`). The run is not locked: it is read
 * with its row version (`xmin`) — or taken from `WrittenRuns` when this process made its current
 * version — and one statement writes the spans and the run's new state only if the run's row is
 * still that version. One or two round trips instead of four (BEGIN, lock, write, COMMIT).
 *
 * A write this path cannot make is refused, not failed: the unit's work goes on to its end
 * without writing, its outcome is set aside, and it runs again. A run another writer changed in
 * between (`Stale`) runs again on a fresh read, three times, then the locking way; work this
 * path does not take (`Unsuited`: a batch over several runs, a batch too large for one
 * statement, an exclusive turn) runs the locking way at once. Refusals travel in a typed
 * channel of their own (`refused`), never through the work's: the work maps and catches its
 * own errors, and must not see these.
 */
import type { Ids, LedgerStore, StoreTx } from "@agentledger/domain"
import type { SqlClient } from "@effect/sql"
import { Cause, type Context, Effect, Either, Exit, Option, Schema } from "effect"
import { sqlState, uniqueViolation } from "../operations/Statements.js"
import { storeTx } from "../operations/UnitOfWork.js"
import * as Columns from "../tables/Columns.js"
import * as Instances from "../tables/Instances.js"
import * as IngestWrite from "./IngestWrite.js"
import type { RunTurns } from "./RunTurns.js"
import { runKey, type WrittenRuns } from "./WrittenRuns.js"

/** Another writer changed the run since it was read: the write was not made. */
class Stale extends Schema.TaggedError<Stale>()("Stale", {}) {}

/** Work the optimistic path does not take: it runs the locking way instead. */
class Unsuited extends Schema.TaggedError<Unsuited>()("Unsuited", {}) {}

/** How many times a unit refused as stale runs again optimistically before it goes the locking way. */
const staleRetries = 3

/** The append's state shared by every unit: the runs this process wrote, and their turns. */
export interface Ingest {
  readonly sql: SqlClient.SqlClient
  readonly written: WrittenRuns
  readonly turns: RunTurns
}

/**
 * One optimistic unit of work: the account's `StoreTx` with its lock read and ingest's write
 * replaced, and what the attempt found. `cached` lets the unit start from a remembered run.
 */
const unit = ({ sql, turns, written }: Ingest, account: Ids.AccountId, cached: boolean) => {
  const base = storeTx(sql, account, (owner, id) => written.forget(owner, id))
  /** The row version each run was read at: the condition of its write. */
  const versions = new Map<string, string>()
  const held: Array<Effect.Effect<void>> = []
  let servedFromCache = false
  let refusal: Stale | Unsuited | undefined
  const refuse = (reason: Stale | Unsuited) =>
    Effect.sync(() => {
      refusal ??= reason
    })

  /** The run as its row version says it is, remembered or read. */
  const readVersioned = (id: Ids.InstanceId) => {
    const known = written.get(account, id)
    if (cached && known !== undefined && !known.shared) {
      servedFromCache = true
      versions.set(id, known.version)
      return Effect.succeed(Option.some(known.instance))
    }
    return sql`SELECT xmin::text AS row_version, * FROM agent_instances WHERE account_id = ${account} AND id = ${id}`.pipe(
      Effect.map((rows) =>
        Option.map(Option.fromNullable(rows[0]), (row) => {
          const version = Columns.text(row, "row_version")
          versions.set(id, version)
          written.readAt(account, id, known, version)
          return Instances.fromRow(row)
        })
      ),
      Effect.orDie
    )
  }

  /**
   * What stands for the port's lock read here: the run's turn in this process, then the run
   * with its row version; no row lock. The turn is taken for the first run only: a batch over
   * several runs goes the locking way anyway, and waiting for a second turn while holding one
   * could deadlock. The run is read once the turn is held (`suspend`): read before, the
   * remembered version would be the one the turn's previous holder was about to replace, and
   * the write would be refused.
   */
  const takeTurnAndReadVersioned = (id: Ids.InstanceId) =>
    held.length === 0
      ? Effect.zipRight(turns.take(runKey(account, id), held), Effect.suspend(() => readVersioned(id)))
      : Effect.suspend(() => readVersioned(id))

  /** The spans and their run's new state, written only if the run is still at the version read. */
  const conditionalWrite: StoreTx["spans"]["record"] = (rows, runs) =>
    Effect.suspend(() => {
      // A refused unit writes nothing more: its outcome is set aside.
      if (refusal !== undefined) return Effect.void
      const [run, ...others] = runs
      const version = run === undefined ? undefined : versions.get(run.id)
      if (run === undefined || version === undefined || others.length > 0 || rows.length === 0) return refuse(new Unsuited())
      const inserts = IngestWrite.spanInserts(rows)
      // A batch that needs several statements is written under the run's lock instead.
      if (inserts.length !== 1) return refuse(new Unsuited())
      const [insert, params] = inserts[0]
      const [update, updateParams] = IngestWrite.runUpdate(run, params.length)
      // PostgreSQL has no conditional INSERT … VALUES, and INSERT … SELECT over a VALUES list
      // needs every parameter cast and runs slower; so the INSERT is unconditional and a run
      // that changed since it was read fails the whole statement (division by zero, SQLSTATE
      // 22012), which undoes the INSERT with it.
      const text = `WITH updated AS (${update} AND xmin::text = $${params.length + updateParams.length + 1} RETURNING xmin::text AS row_version),
            inserted AS (${insert} RETURNING 1)
            SELECT 1 / (SELECT count(*)::int FROM updated) AS written, (SELECT min(row_version) FROM updated) AS row_version,
              (SELECT count(*) FROM inserted) AS spans`
      return sql.unsafe<Columns.Row>(text, [...params, ...updateParams, version]).pipe(
        Effect.map((result) => {
          const row = result[0]
          if (row !== undefined) written.wrote(account, run, Columns.text(row, "row_version"))
        }),
        Effect.catchAll((error) => {
          if (sqlState(error) === "22012") {
            written.overtaken(account, run)
            return refuse(new Stale())
          }
          const violation = uniqueViolation(error)
          return violation === undefined ? Effect.die(error) : Effect.fail(violation)
        })
      )
    })

  const store: StoreTx = {
    ...base,
    // Without a transaction the turn would end with its statement.
    exclusive: () => refuse(new Unsuited()),
    instances: { ...base.instances, lock: takeTurnAndReadVersioned },
    spans: { ...base.spans, record: conditionalWrite }
  }
  return {
    store,
    /** Whether a run was taken from memory rather than read. */
    servedFromCache: () => servedFromCache,
    /** Fails with the reason the unit's write was refused, if it was. */
    refused: Effect.suspend(() => (refusal === undefined ? Effect.void : Effect.fail(refusal))),
    release: Effect.suspend(() => Effect.all(held.splice(0), { discard: true }))
  }
}

/** `LedgerStore.append`: the work optimistically, then the locking way (`transact`) when refused. */
export const append = (
  ingest: Ingest,
  transact: Context.Tag.Service<LedgerStore>["transact"]
): Context.Tag.Service<LedgerStore>["append"] =>
<A, E, R>(account: Ids.AccountId, work: (tx: StoreTx) => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
  const locking = Effect.suspend(() => transact(account, work))
  const attempt = (retries: number, cached: boolean): Effect.Effect<A, E, R> =>
    Effect.suspend(() => {
      const optimistic = unit(ingest, account, cached)
      return work(optimistic.store).pipe(
        Effect.ensuring(optimistic.release),
        Effect.exit,
        Effect.zipLeft(optimistic.refused),
        // A refusal decided on a cached run is decided again on a fresh read.
        Effect.map((exit): Effect.Effect<A, E, R> =>
          Exit.isFailure(exit) && Either.isLeft(Cause.failureOrCause(exit.cause)) && optimistic.servedFromCache()
            ? attempt(retries, false)
            : exit
        ),
        Effect.catchTags({
          Stale: () => Effect.succeed(retries > 0 ? attempt(retries - 1, false) : locking),
          Unsuited: () => Effect.succeed(locking)
        }),
        Effect.flatten
      )
    })
  return attempt(staleRetries, true)
}
