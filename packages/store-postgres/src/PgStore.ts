/**
 * The `LedgerStore` on PostgreSQL, written once against `@effect/sql`'s `SqlClient`: the same
 * statements run on a PostgreSQL server (`PgClient`) and on embedded PGlite.
 *
 * A unit of work is a transaction under READ COMMITTED; the two lock reads are
 * `SELECT … FOR UPDATE`; every uniqueness rule is a constraint, and a violation of one comes
 * back as `UniqueViolation` naming it. Idempotency keys are claimed with
 * `INSERT … ON CONFLICT DO NOTHING`, which makes a concurrent claim of the same key wait for the
 * first transaction and then see what it recorded. SQL failures are defects: the port carries
 * only what the domain acts on.
 */
import {
  Ids,
  type Instance,
  LedgerStore,
  Lru,
  type Listed,
  type ListQuery,
  type Span,
  SpanOutline,
  type StoreTx,
  UniqueViolation
} from "@agentledger/domain"
import { Migrator, SqlClient, SqlError } from "@effect/sql"
import type { Fragment } from "@effect/sql/Statement"
import { PgClient } from "@effect/sql-pg"
import { type Config, type Context, DateTime, Effect, Layer, Option } from "effect"
import * as Aggregates from "./Aggregates.js"
import { migrations } from "./Migrations.js"
import * as PgliteClient from "./PgliteClient.js"
import * as PgliteWorker from "./PgliteWorker.js"
import * as Rows from "./Rows.js"
import { RunTurns } from "./RunTurns.js"

/** The SQLSTATE of a failed statement, when the driver gives one. */
const sqlState = (error: SqlError.SqlError): string | undefined => {
  const cause: unknown = error.cause
  return typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string" ? cause.code : undefined
}

/** PostgreSQL's unique violation (SQLSTATE 23505), with the constraint it names. */
const uniqueViolation = (error: SqlError.SqlError): UniqueViolation | undefined => {
  const cause: unknown = error.cause
  if (sqlState(error) !== "23505" || typeof cause !== "object" || cause === null) return undefined
  const constraint = "constraint" in cause && typeof cause.constraint === "string" ? cause.constraint : "unique"
  return new UniqueViolation({ constraint })
}

/** A write whose only expected failure is a uniqueness rule. */
const guarded = <A>(statement: Effect.Effect<A, SqlError.SqlError>): Effect.Effect<void, UniqueViolation> =>
  statement.pipe(
    Effect.asVoid,
    Effect.catchAll((error) => {
      const violation = uniqueViolation(error)
      return violation === undefined ? Effect.die(error) : Effect.fail(violation)
    })
  )

/** Sort fields some table leaves null (instances' times, spans' end, agents' identifier). */
const nullableSortFields: ReadonlySet<string> = new Set(["started_at", "finished_at", "external_identifier"])

const many = <A>(statement: Effect.Effect<ReadonlyArray<Rows.Row>, SqlError.SqlError>, decode: (row: Rows.Row) => A) =>
  statement.pipe(Effect.map((rows) => rows.map(decode)), Effect.orDie)

const one = <A>(statement: Effect.Effect<ReadonlyArray<Rows.Row>, SqlError.SqlError>, decode: (row: Rows.Row) => A) =>
  statement.pipe(Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), decode)), Effect.orDie)

export const make: Effect.Effect<Context.Tag.Service<LedgerStore>, never, SqlClient.SqlClient> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  /**
   * The runs this process last wrote on the ingest path, each with the row version its write
   * produced: the next batch of a run skips the read. Safe across processes because every
   * optimistic write is conditional on the version; a locking unit of work drops the entry.
   *
   * A run another process writes too (its spans arrive at several processes) is `shared`: its
   * remembered version would mostly be stale by the next batch, and a write on a stale version
   * costs a failed statement — its spans inserted, then undone — and a retry. Such a run is read
   * before each write instead, until a read finds it as this process left it.
   */
  const written = new Lru.Lru<string, { readonly version: string; readonly instance: Instance.Instance; readonly shared: boolean }>(
    writtenRunsCached
  )
  const turns = new RunTurns()
  const writtenKey = (account: Ids.AccountId, id: string) => `${account}/${id}`

  const countOf = (rows: ReadonlyArray<Rows.Row>) => (rows[0] === undefined ? 0 : Rows.integer(rows[0], "count"))

  /** A page of `table` under `where`, ordered by the query's field (ties by id). */
  const list = <F extends string, A>(
    table: string,
    where: Fragment,
    query: ListQuery<F>,
    decode: (row: Rows.Row) => A,
    columns: Fragment = sql.literal("*")
  ): Effect.Effect<Listed<A>> => {
    const direction = sql.literal(query.sort.direction === "asc" ? "ASC" : "DESC")
    // Nulls sort last in both directions (as store-memory does); only nullable columns need
    // saying so, and saying it for the others would keep a backward index scan from serving.
    const nulls = sql.literal(nullableSortFields.has(query.sort.field) ? "NULLS LAST" : "")
    const order = sql`ORDER BY ${sql(table)}.${sql(query.sort.field)} ${direction} ${nulls}, ${sql(table)}.id ${direction}`
    return Effect.all({
      total: sql`SELECT count(*)::int AS count FROM ${sql(table)} WHERE ${where}`.pipe(Effect.map(countOf)),
      items: query.limit === 0
        ? Effect.succeed([])
        : sql`SELECT ${columns} FROM ${sql(table)} WHERE ${where} ${order} LIMIT ${query.limit} OFFSET ${query.offset}`.pipe(
          Effect.map((rows) => rows.map(decode))
        )
    }).pipe(Effect.orDie)
  }

  const spanRead = sql.literal(Rows.spanSelect)
  const outlineRead = sql.literal(Aggregates.outlineSelect)

  const tx = (account: Ids.AccountId): StoreTx => {
    const mine = sql`account_id = ${account}`
    const byId = (id: string) => sql.and([mine, sql`id = ${id}`])
    const optional = <V>(column: string, value: V | undefined): Array<Fragment> =>
      value === undefined ? [] : [sql`${sql(column)} = ${value}`]
    /** How many rows of `table` carry each (agent, identifier) pair: one GROUP BY over the page's pairs. */
    const identifierTallies = (table: string, pairs: ReadonlyArray<{ readonly agent_id: string; readonly external_identifier: string | null }>) =>
      pairs.length === 0
        ? Effect.succeed([])
        : many(
          sql`SELECT agent_id, external_identifier, count(*)::int AS count FROM ${sql(table)} WHERE ${mine} AND ${
            sql.or(pairs.map((pair) =>
              pair.external_identifier === null
                ? sql`(agent_id = ${pair.agent_id} AND external_identifier IS NULL)`
                : sql`(agent_id = ${pair.agent_id} AND external_identifier = ${pair.external_identifier})`
            ))
          } GROUP BY agent_id, external_identifier`,
          Aggregates.identifierTally
        )

    return {
      account_id: account,

      // A transaction-scoped advisory lock: released at COMMIT or ROLLBACK, and by the server if
      // the connection dies. Its own key space (two keys), apart from the migrations' one key.
      exclusive: (name) => sql`SELECT pg_advisory_xact_lock(${exclusiveSpace}, hashtext(${name}))`.pipe(Effect.asVoid, Effect.orDie),

      accounts: {
        get: (id) => one(sql`SELECT * FROM accounts WHERE account_id = ${id} AND account_id = ${account}`, Rows.account),
        insert: (row) =>
          guarded(sql`INSERT INTO accounts ${
            sql.insert({
              account_id: row.id,
              name: row.name,
              partition: row.partition,
              inserted_at: Rows.toTimestamp(row.inserted_at),
              updated_at: Rows.toTimestamp(row.updated_at)
            })
          }`)
      },

      environments: {
        get: (id) => one(sql`SELECT * FROM environments WHERE ${byId(id)}`, Rows.environment),
        byNameKey: (key) => one(sql`SELECT * FROM environments WHERE ${mine} AND name_key = ${key}`, Rows.environment),
        insert: (row) =>
          guarded(sql`INSERT INTO environments ${
            sql.insert({
              account_id: row.account_id,
              id: row.id,
              name: row.name,
              purpose: row.purpose,
              description: row.description,
              inserted_at: Rows.toTimestamp(row.inserted_at),
              updated_at: Rows.toTimestamp(row.updated_at)
            })
          }`),
        update: (row) =>
          guarded(sql`UPDATE environments SET ${
            sql.update({
              name: row.name,
              purpose: row.purpose,
              description: row.description,
              updated_at: Rows.toTimestamp(row.updated_at)
            })
          } WHERE ${byId(row.id)}`),
        remove: (id) => sql`DELETE FROM environments WHERE ${byId(id)}`.pipe(Effect.asVoid, Effect.orDie),
        list: (query) => list("environments", mine, query, Rows.environment),
        usage: (id) =>
          Effect.all({
            deployments: sql`SELECT count(*)::int AS count FROM agent_deployments WHERE ${mine} AND environment_id = ${id}`.pipe(Effect.map(countOf)),
            instances: sql`SELECT count(*)::int AS count FROM agent_instances WHERE ${mine} AND environment_id = ${id}`.pipe(Effect.map(countOf))
          }).pipe(Effect.orDie)
      },

      tokens: {
        get: (id) => one(sql`SELECT * FROM api_tokens WHERE ${byId(id)}`, Rows.token),
        insert: (row) =>
          guarded(sql`INSERT INTO api_tokens ${
            sql.insert({
              account_id: row.account_id,
              id: row.id,
              token_scope: row.token_scope,
              agent_deployment_id: row.agent_deployment_id,
              agent_id: row.agent_id,
              environment_id: row.environment_id,
              status: row.status,
              secret_hash: row.secret_hash,
              expires_at: Rows.toTimestampOrNull(row.expires_at),
              last_used_at: Rows.toTimestampOrNull(row.last_used_at),
              inserted_at: Rows.toTimestamp(row.inserted_at),
              updated_at: Rows.toTimestamp(row.updated_at)
            })
          }`),
        update: (row) =>
          sql`UPDATE api_tokens SET ${
            sql.update({
              status: row.status,
              expires_at: Rows.toTimestampOrNull(row.expires_at),
              last_used_at: Rows.toTimestampOrNull(row.last_used_at),
              updated_at: Rows.toTimestamp(row.updated_at)
            })
          } WHERE ${byId(row.id)}`.pipe(Effect.asVoid, Effect.orDie),
        remove: (id) => sql`DELETE FROM api_tokens WHERE ${byId(id)}`.pipe(Effect.asVoid, Effect.orDie),
        list: (filter, query) =>
          list("api_tokens", sql.and([mine, ...optional("agent_deployment_id", filter.agent_deployment_id)]), query, Rows.token)
      },

      agents: {
        get: (id) => one(sql`SELECT * FROM agents WHERE ${byId(id)}`, Rows.agent),
        lock: (id) => one(sql`SELECT * FROM agents WHERE ${byId(id)} FOR UPDATE`, Rows.agent),
        byExternalIdentifier: (value) => one(sql`SELECT * FROM agents WHERE ${mine} AND external_identifier = ${value}`, Rows.agent),
        insert: (row) =>
          guarded(sql`INSERT INTO agents ${
            sql.insert({
              account_id: row.account_id,
              id: row.id,
              name: row.name,
              description: row.description,
              external_identifier: row.external_identifier,
              status: row.status,
              risk_profile_id: row.risk_profile_id,
              last_run_at: Rows.toTimestampOrNull(row.last_run_at),
              inserted_at: Rows.toTimestamp(row.inserted_at),
              updated_at: Rows.toTimestamp(row.updated_at)
            })
          }`),
        update: (row) =>
          sql`UPDATE agents SET ${
            sql.update({
              name: row.name,
              description: row.description,
              status: row.status,
              risk_profile_id: row.risk_profile_id,
              last_run_at: Rows.toTimestampOrNull(row.last_run_at),
              updated_at: Rows.toTimestamp(row.updated_at)
            })
          } WHERE ${byId(row.id)}`.pipe(Effect.asVoid, Effect.orDie),
        remove: (id) => sql`DELETE FROM agents WHERE ${byId(id)}`.pipe(Effect.asVoid, Effect.orDie),
        list: (filter, query) =>
          list(
            "agents",
            sql.and([mine, ...optional("risk_profile_id", filter.risk_profile_id), ...optional("status", filter.status)]),
            query,
            Rows.agent
          ),
        instanceCount: (id) =>
          sql`SELECT count(*)::int AS count FROM agent_instances WHERE ${mine} AND agent_id = ${id}`.pipe(Effect.map(countOf), Effect.orDie),
        instanceTallies: (ids) =>
          ids.length === 0 ? Effect.succeed([]) : many(
            sql`SELECT agent_id, status, count(*)::int AS count FROM agent_instances WHERE ${mine} AND ${
              sql.in("agent_id", ids)
            } GROUP BY agent_id, status`,
            Aggregates.statusTally
          ),
        deploymentTallies: (ids) =>
          ids.length === 0 ? Effect.succeed([]) : many(
            sql`SELECT agent_id, count(*)::int AS count FROM agent_deployments WHERE ${mine} AND ${sql.in("agent_id", ids)} GROUP BY agent_id`,
            Aggregates.agentTally
          )
      },

      schemaVersions: {
        get: (id) => one(sql`SELECT * FROM agent_schema_versions WHERE ${byId(id)}`, Rows.schemaVersion),
        byFingerprint: (agent, fingerprint) =>
          one(sql`SELECT * FROM agent_schema_versions WHERE ${mine} AND agent_id = ${agent} AND fingerprint = ${fingerprint}`, Rows.schemaVersion),
        lastSequence: (agent) =>
          sql`SELECT coalesce(max(sequence), 0)::int AS count FROM agent_schema_versions WHERE ${mine} AND agent_id = ${agent}`.pipe(
            Effect.map(countOf),
            Effect.orDie
          ),
        insert: (row) =>
          guarded(sql`INSERT INTO agent_schema_versions ${
            sql.insert({
              account_id: row.account_id,
              id: row.id,
              agent_id: row.agent_id,
              sequence: row.sequence,
              external_identifier: row.external_identifier,
              span_type_schemas: JSON.stringify(row.span_type_schemas),
              definition_checks: JSON.stringify(row.definition_checks),
              fingerprint: row.fingerprint,
              inserted_at: Rows.toTimestamp(row.inserted_at),
              updated_at: Rows.toTimestamp(row.updated_at)
            })
          }`),
        list: (agent, query) => list("agent_schema_versions", sql.and([mine, sql`agent_id = ${agent}`]), query, Rows.schemaVersion),
        identifierTallies: (pairs) => identifierTallies("agent_schema_versions", pairs)
      },

      versions: {
        get: (id) => one(sql`SELECT * FROM agent_versions WHERE ${byId(id)}`, Rows.version),
        byFingerprint: (agent, fingerprint) =>
          one(sql`SELECT * FROM agent_versions WHERE ${mine} AND agent_id = ${agent} AND fingerprint = ${fingerprint}`, Rows.version),
        lastSequence: (agent) =>
          sql`SELECT coalesce(max(sequence), 0)::int AS count FROM agent_versions WHERE ${mine} AND agent_id = ${agent}`.pipe(
            Effect.map(countOf),
            Effect.orDie
          ),
        insert: (row) =>
          guarded(sql`INSERT INTO agent_versions ${
            sql.insert({
              account_id: row.account_id,
              id: row.id,
              agent_id: row.agent_id,
              sequence: row.sequence,
              external_identifier: row.external_identifier,
              name: row.name,
              description: row.description,
              agent_schema_version_id: row.agent_schema_version_id,
              runtime_environment: JSON.stringify(row.runtime_environment),
              fingerprint: row.fingerprint,
              inserted_at: Rows.toTimestamp(row.inserted_at),
              updated_at: Rows.toTimestamp(row.updated_at)
            })
          }`),
        list: (agent, query) => list("agent_versions", sql.and([mine, sql`agent_id = ${agent}`]), query, Rows.version),
        identifierTallies: (pairs) => identifierTallies("agent_versions", pairs)
      },

      deployments: {
        get: (id) => one(sql`SELECT * FROM agent_deployments WHERE ${byId(id)}`, Rows.deployment),
        for: (agent, environment) =>
          one(sql`SELECT * FROM agent_deployments WHERE ${mine} AND agent_id = ${agent} AND environment_id = ${environment}`, Rows.deployment),
        insert: (row) =>
          guarded(sql`INSERT INTO agent_deployments ${
            sql.insert({
              account_id: row.account_id,
              id: row.id,
              agent_id: row.agent_id,
              environment_id: row.environment_id,
              current_version_id: row.current_version_id,
              inserted_at: Rows.toTimestamp(row.inserted_at),
              updated_at: Rows.toTimestamp(row.updated_at)
            })
          }`),
        update: (row) =>
          sql`UPDATE agent_deployments SET ${
            sql.update({ current_version_id: row.current_version_id, updated_at: Rows.toTimestamp(row.updated_at) })
          } WHERE ${byId(row.id)}`.pipe(Effect.asVoid, Effect.orDie),
        remove: (id) => sql`DELETE FROM agent_deployments WHERE ${byId(id)}`.pipe(Effect.asVoid, Effect.orDie),
        list: (filter, query) =>
          list(
            "agent_deployments",
            sql.and([mine, ...optional("agent_id", filter.agent_id), ...optional("environment_id", filter.environment_id)]),
            query,
            Rows.deployment
          ),
        appendHistory: (entry) =>
          sql`INSERT INTO deployment_history (account_id, agent_deployment_id, position, from_version_id, to_version_id, cause, changed_at)
              SELECT ${entry.account_id}, ${entry.agent_deployment_id}, coalesce(max(position), 0) + 1,
                     ${entry.from_version_id}, ${entry.to_version_id}, ${entry.cause}, ${Rows.toTimestamp(entry.changed_at)}
              FROM deployment_history WHERE account_id = ${entry.account_id} AND agent_deployment_id = ${entry.agent_deployment_id}`
            .pipe(Effect.asVoid, Effect.orDie),
        history: (id) =>
          many(sql`SELECT * FROM deployment_history WHERE ${mine} AND agent_deployment_id = ${id} ORDER BY position`, Rows.historyEntry),
        pointingAt: (versions) =>
          versions.length === 0
            ? Effect.succeed([])
            // Narrowed to the versions' agents (a version's deployments are its agent's), so the
            // (account_id, agent_id, …) index serves it and the account's other deployments are not read.
            : many(
              sql`SELECT * FROM agent_deployments WHERE ${mine} AND agent_id IN (
                    SELECT agent_id FROM agent_versions WHERE ${mine} AND ${sql.in("id", versions)}
                  ) AND ${sql.in("current_version_id", versions)}`,
              Rows.deployment
            ),
        pointingAtSchemas: (schemaVersions) =>
          schemaVersions.length === 0
            ? Effect.succeed([])
            : many(
              sql`SELECT d.*, v.agent_schema_version_id AS schema_version_of
                  FROM agent_deployments d JOIN agent_versions v ON v.account_id = d.account_id AND v.id = d.current_version_id
                  WHERE d.account_id = ${account} AND d.agent_id IN (
                    SELECT s.agent_id FROM agent_schema_versions s WHERE s.account_id = ${account} AND ${sql.in("s.id", schemaVersions)}
                  ) AND ${sql.in("v.agent_schema_version_id", schemaVersions)}`,
              Aggregates.schemaDeployment
            )
      },

      instances: {
        get: (id) => one(sql`SELECT * FROM agent_instances WHERE ${byId(id)}`, Rows.instance),
        lock: (id) => {
          written.delete(writtenKey(account, id))
          return one(sql`SELECT * FROM agent_instances WHERE ${byId(id)} FOR UPDATE`, Rows.instance)
        },
        insert: (row) =>
          guarded(sql`INSERT INTO agent_instances ${
            sql.insert({
              account_id: row.account_id,
              id: row.id,
              agent_id: row.agent_id,
              agent_version_id: row.agent_version_id,
              agent_schema_version_id: row.agent_schema_version_id,
              environment_id: row.environment_id,
              agent_deployment_id: row.agent_deployment_id,
              ...instanceState(row)
            })
          }`),
        update: (row) => {
          written.delete(writtenKey(account, row.id))
          return sql`UPDATE agent_instances SET ${sql.update(instanceState(row), ["inserted_at"])} WHERE ${byId(row.id)}`.pipe(
            Effect.asVoid,
            Effect.orDie
          )
        },
        list: (filter, query) =>
          list(
            "agent_instances",
            sql.and([
              mine,
              ...optional("agent_id", filter.agent_id),
              ...optional("agent_deployment_id", filter.agent_deployment_id),
              ...optional("agent_version_id", filter.agent_version_id),
              ...optional("environment_id", filter.environment_id),
              ...optional("status", filter.status)
            ]),
            query,
            Rows.instance
          )
      },

      spans: {
        get: (id) => one(sql`SELECT ${spanRead} FROM agent_spans WHERE ${byId(id)}`, Rows.spanReader()),
        insert: (rows) =>
          Effect.forEach(spanInserts(rows), ([text, params]) => guarded(sql.unsafe(text, params)), { discard: true }),
        record: (rows, instances) => {
          const [instance, ...others] = instances
          for (const row of instances) written.delete(writtenKey(account, row.id))
          if (rows.length === 0 || instance === undefined) {
            return Effect.forEach(instances, (row) => tx(account).instances.update(row), { discard: true })
          }
          // The spans' INSERT and their run's UPDATE in one statement: one round trip fewer
          // per batch, which is most of a batch's cost on a database. A batch too large for one
          // statement's parameters sends its further spans in statements of their own, in order
          // (a span's parent precedes it).
          const [[insert, params], ...rest] = spanInserts(rows)
          const [update, updateParams] = instanceUpdate(instance, params.length)
          return guarded(sql.unsafe(`WITH inserted AS (${insert} RETURNING 1) ${update}`, [...params, ...updateParams])).pipe(
            Effect.zipRight(Effect.forEach(rest, ([text, more]) => guarded(sql.unsafe(text, more)), { discard: true })),
            Effect.zipLeft(Effect.forEach(others, (row) => tx(account).instances.update(row), { discard: true }))
          )
        },
        update: (rows) =>
          Effect.forEach(rows, (row) =>
            sql`UPDATE agent_spans SET ${
              sql.update({
                status: row.status,
                result_payload: row.result_payload === null ? null : JSON.stringify(row.result_payload),
                finished_at: Rows.toTimestampOrNull(row.finished_at),
                conformance: JSON.stringify(row.conformance),
                risk_points: row.risk_points,
                updated_at: Rows.toTimestamp(row.updated_at)
              })
            } WHERE ${byId(row.id)}`, { discard: true }).pipe(Effect.orDie),
        open: (instance) =>
          many(
            sql`SELECT ${spanRead} FROM agent_spans WHERE ${mine} AND agent_instance_id = ${instance} AND status IN ('pending', 'active') ORDER BY sequence`,
            Rows.spanReader()
          ),
        ofInstance: (instance) =>
          many(sql`SELECT ${spanRead} FROM agent_spans WHERE ${mine} AND agent_instance_id = ${instance} ORDER BY sequence`, Rows.spanReader()),
        list: (filter, query) =>
          list(
            "agent_spans",
            sql.and([
              mine,
              ...optional("agent_instance_id", filter.agent_instance_id),
              ...optional("agent_id", filter.agent_id),
              ...(filter.start_time === undefined ? [] : [sql`started_at >= ${Rows.timestampAt(filter.start_time)}`]),
              ...(filter.end_time === undefined ? [] : [sql`started_at < ${Rows.timestampAt(filter.end_time)}`])
            ]),
            query,
            Rows.spanReader(),
            spanRead
          ),
        outlines: (instance, query) => {
          const read = Rows.spanReader()
          return list(
            "agent_spans",
            sql.and([mine, sql`agent_instance_id = ${instance}`]),
            query,
            (row) => SpanOutline.outlineOf(read(row)),
            outlineRead
          )
        },
        tallies: (instance) =>
          many(
            sql`SELECT schema_name, status, count(*)::int AS span_count, coalesce(sum(risk_points), 0)::int8 AS points
                FROM agent_spans WHERE ${mine} AND agent_instance_id = ${instance} GROUP BY schema_name, status`,
            Aggregates.spanTally
          )
      },

      riskProfiles: {
        get: (id) => one(sql`SELECT * FROM risk_profiles WHERE ${byId(id)}`, Rows.riskProfile),
        insert: (row) =>
          guarded(sql`INSERT INTO risk_profiles ${
            sql.insert({
              account_id: row.account_id,
              id: row.id,
              name: row.name,
              description: row.description,
              current_revision_id: row.current_revision_id,
              revision: row.revision,
              deleted_at: Rows.toTimestampOrNull(row.deleted_at),
              inserted_at: Rows.toTimestamp(row.inserted_at),
              updated_at: Rows.toTimestamp(row.updated_at)
            })
          }`),
        update: (row) =>
          sql`UPDATE risk_profiles SET ${
            sql.update({
              name: row.name,
              description: row.description,
              current_revision_id: row.current_revision_id,
              revision: row.revision,
              deleted_at: Rows.toTimestampOrNull(row.deleted_at),
              updated_at: Rows.toTimestamp(row.updated_at)
            })
          } WHERE ${byId(row.id)}`.pipe(Effect.asVoid, Effect.orDie),
        list: (query) => list("risk_profiles", mine, query, Rows.riskProfile),
        getRevision: (id) => one(sql`SELECT * FROM risk_profile_revisions WHERE ${byId(id)}`, Rows.revision),
        insertRevision: (row) =>
          guarded(sql`INSERT INTO risk_profile_revisions ${
            sql.insert({
              account_id: row.account_id,
              id: row.id,
              risk_profile_id: row.risk_profile_id,
              revision: row.revision,
              rules: JSON.stringify(row.rules),
              inserted_at: Rows.toTimestamp(row.inserted_at)
            })
          }`),
        revisions: (id) =>
          many(sql`SELECT * FROM risk_profile_revisions WHERE ${mine} AND risk_profile_id = ${id} ORDER BY revision`, Rows.revision)
      },

      idempotency: {
        claim: ({ principal, key, at, expiredBefore }) =>
          Effect.gen(function*() {
            const stamp = Rows.timestampAt(at)
            const cutoff = Rows.timestampAt(expiredBefore)
            const claimed = yield* sql`INSERT INTO idempotency_keys (account_id, principal, key, inserted_at)
                                       VALUES (${account}, ${principal}, ${key}, ${stamp})
                                       ON CONFLICT DO NOTHING RETURNING key`
            if (claimed.length > 0) {
              // Expired records go a few at a time, never waiting on a row another unit holds.
              yield* sql`DELETE FROM idempotency_keys WHERE ctid IN (
                           SELECT ctid FROM idempotency_keys WHERE ${mine} AND inserted_at < ${cutoff}
                           LIMIT ${purgedPerClaim} FOR UPDATE SKIP LOCKED)`
              return Option.none()
            }
            // An expired record is taken over by this claim; a concurrent claim of the same
            // expired key waits on the row, then finds it fresh and no longer matches.
            const retaken = yield* sql`UPDATE idempotency_keys
                                       SET operation = NULL, request_fingerprint = NULL, response = NULL, inserted_at = ${stamp}
                                       WHERE ${mine} AND principal = ${principal} AND key = ${key} AND inserted_at < ${cutoff}
                                       RETURNING key`
            if (retaken.length > 0) return Option.none()
            const rows = yield* sql`SELECT * FROM idempotency_keys WHERE ${mine} AND principal = ${principal} AND key = ${key}`
            const row = rows[0]
            if (row === undefined || Rows.textOrNull(row, "response") === null) return Option.none()
            return Option.some({
              principal,
              key,
              operation: Rows.text(row, "operation"),
              request_fingerprint: Rows.text(row, "request_fingerprint"),
              response: Rows.text(row, "response"),
              recorded_at: DateTime.toEpochMillis(Rows.time(row, "inserted_at"))
            })
          }).pipe(Effect.orDie),
        record: (record) =>
          sql`UPDATE idempotency_keys SET ${
            sql.update({ operation: record.operation, request_fingerprint: record.request_fingerprint, response: record.response })
          } WHERE ${mine} AND principal = ${record.principal} AND key = ${record.key}`.pipe(Effect.asVoid, Effect.orDie)
      }
    }
  }

  /**
   * Span ingest without a transaction (`LedgerStore.append`): the run is read with its row
   * version (`xmin`) instead of locked — or taken from `written` when this process made its
   * current version — and one statement writes the spans and the run's new state only if the
   * run's row is still that version. One or two round trips instead of four (BEGIN, lock, write,
   * COMMIT). A run changed in between makes the write a no-op and the work runs again; a batch
   * over several runs, or a run that keeps changing, takes the locking path.
   */
  const optimistic = (account: Ids.AccountId, cached: boolean) => {
    const base = tx(account)
    const versions = new Map<string, string>()
    const held: Array<Effect.Effect<void>> = []
    let servedFromCache = false
    const read = (id: Ids.InstanceId) => {
      const key = writtenKey(account, id)
      const known = written.get(key)
      if (cached && known !== undefined && !known.shared) {
        servedFromCache = true
        versions.set(id, known.version)
        return Effect.succeed(Option.some(known.instance))
      }
      return sql`SELECT xmin::text AS row_version, * FROM agent_instances WHERE account_id = ${account} AND id = ${id}`.pipe(
        Effect.map((rows) =>
          Option.map(Option.fromNullable(rows[0]), (row) => {
            const version = Rows.text(row, "row_version")
            versions.set(id, version)
            // As this process left it: no other process has written it since.
            if (known?.shared === true && known.version === version) written.set(key, { ...known, shared: false })
            return Rows.instance(row)
          })
        ),
        Effect.orDie
      )
    }
    const store: StoreTx = {
      ...base,
      // Without a transaction the lock would end with its statement.
      exclusive: () => Effect.die(new Unsuited()),
      instances: {
        ...base.instances,
        // The turn is taken for the first run only: a batch over several runs goes the locking
        // way anyway, and waiting for a second turn while holding one could deadlock. The run is
        // read once the turn is held (`suspend`): read before, the remembered version would be
        // the one the turn's previous holder was about to replace, and the write would fail.
        lock: (id) =>
          held.length === 0
            ? Effect.zipRight(turns.take(writtenKey(account, id), held), Effect.suspend(() => read(id)))
            : Effect.suspend(() => read(id))
      },
      spans: {
        ...base.spans,
        record: (rows, instances) => {
          const [instance, ...others] = instances
          const version = instance === undefined ? undefined : versions.get(instance.id)
          if (instance === undefined || version === undefined || others.length > 0 || rows.length === 0) {
            return Effect.die(new Unsuited())
          }
          const key = writtenKey(account, instance.id)
          const inserts = spanInserts(rows)
          // A batch that needs several statements is written under the run's lock instead.
          if (inserts.length !== 1) return Effect.die(new Unsuited())
          const [insert, params] = inserts[0]
          const [update, updateParams] = instanceUpdate(instance, params.length)
          // PostgreSQL has no conditional INSERT … VALUES, and INSERT … SELECT over a VALUES list
          // needs every parameter cast and runs slower; so the INSERT is unconditional and a run
          // that changed since it was read fails the whole statement (division by zero, SQLSTATE
          // 22012), which undoes the INSERT with it.
          const text = `WITH updated AS (${update} AND xmin::text = $${params.length + updateParams.length + 1} RETURNING xmin::text AS row_version),
            inserted AS (${insert} RETURNING 1)
            SELECT 1 / (SELECT count(*)::int FROM updated) AS written, (SELECT min(row_version) FROM updated) AS row_version,
              (SELECT count(*) FROM inserted) AS spans`
          return sql.unsafe<Rows.Row>(text, [...params, ...updateParams, version]).pipe(
            Effect.map((result) => {
              const row = result[0]
              if (row !== undefined) {
                written.set(key, { version: Rows.text(row, "row_version"), instance, shared: written.get(key)?.shared ?? false })
              }
            }),
            Effect.catchIf((error): error is SqlError.SqlError => error instanceof SqlError.SqlError, (error) => {
              if (sqlState(error) === "22012") {
                // Another process wrote the run since it was read: no version of it is known now.
                written.set(key, { version: "", instance, shared: true })
                return Effect.die(new Stale())
              }
              const violation = uniqueViolation(error)
              return violation === undefined ? Effect.die(error) : Effect.fail(violation)
            })
          )
        }
      }
    }
    return { store, servedFromCache: () => servedFromCache, release: Effect.suspend(() => Effect.all(held.splice(0), { discard: true })) }
  }

  const service: Context.Tag.Service<LedgerStore> = {
    transact: (account, work) =>
      sql.withTransaction(Effect.suspend(() => work(tx(account)))).pipe(
        Effect.catchIf((error): error is SqlError.SqlError => error instanceof SqlError.SqlError, Effect.die)
      ),
    append: (account, work) => {
      const attempt = (retries: number, cached: boolean): ReturnType<typeof work> =>
        Effect.suspend(() => {
          const unit = optimistic(account, cached)
          return work(unit.store).pipe(
            Effect.ensuring(unit.release),
            // A refusal decided on a cached run is decided again on a fresh read.
            Effect.catchAll((error) => unit.servedFromCache() ? attempt(retries, false) : Effect.fail(error)),
            Effect.catchAllDefect((defect) =>
              defect instanceof Stale && retries > 0
                ? attempt(retries - 1, false)
                : defect instanceof Stale || defect instanceof Unsuited
                ? service.transact(account, work)
                : Effect.die(defect)
            )
          )
        })
      return attempt(3, true)
    },
    read: (account, work) => Effect.suspend(() => work(tx(account))),
    // The hash is unique in the store (migration 0002), so this names one token or none.
    tokenBySecretHash: (hash) => one(sql`SELECT * FROM api_tokens WHERE secret_hash = ${hash}`, Rows.token),
    idempotentAccount: (principal, key, expiredBefore) =>
      sql`SELECT account_id FROM idempotency_keys
          WHERE principal = ${principal} AND key = ${key} AND response IS NOT NULL AND inserted_at >= ${Rows.timestampAt(expiredBefore)}
          LIMIT 1`.pipe(
        Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), (row) => Ids.AccountId.make(Rows.text(row, "account_id"), true))),
        Effect.orDie
      ),
    isEmpty: sql`SELECT count(*)::int AS count FROM accounts`.pipe(Effect.map((rows) => countOf(rows) === 0), Effect.orDie)
  }
  return service
})

/** The first key of `StoreTx.exclusive`'s advisory locks (the second is the name's hash). */
const exclusiveSpace = 730_946_772

/** How many expired idempotency records a fresh claim deletes: the table does not grow without end. */
const purgedPerClaim = 32

/** How many runs' last written state the ingest path keeps (a few hundred bytes each). */
const writtenRunsCached = 4096

/**
 * One multi-row INSERT of spans: its text and parameters (one round trip, however many spans).
 * A value repeated down a column — the run's ids, the batch's timestamps, a common conformance
 * outcome — is sent once and named by every row that holds it, so a batch carries about four
 * parameters per span instead of eighteen: the driver serializes, and the server binds, a
 * fraction of them. (Per column, because one parameter has one type.)
 */
const spanInsert = (rows: ReadonlyArray<Span.Span>): SpanInsert => {
  const params: Array<string | number> = []
  // Columns that differ on every row are not worth a lookup.
  const named = Rows.spanColumns.map((column) => distinctPerSpan.has(column) ? undefined : new Map<string | number, string>())
  const tuples: Array<string> = []
  for (const row of rows) {
    const values = Rows.spanValues(row)
    let tuple = "("
    for (let column = 0; column < values.length; column++) {
      const value = values[column] ?? null
      if (column > 0) tuple += ", "
      if (value === null) {
        tuple += "NULL"
        continue
      }
      const seen = named[column]
      const key = typeof value === "object" ? DateTime.toEpochMillis(value) : value
      const known = seen?.get(key)
      if (known !== undefined) {
        tuple += known
        continue
      }
      params.push(typeof value === "object" ? Rows.toTimestamp(value) : value)
      const name = `$${params.length}`
      seen?.set(key, name)
      tuple += name
    }
    tuples.push(`${tuple})`)
  }
  return [`INSERT INTO agent_spans (${Rows.spanColumns.join(", ")}) VALUES ${tuples.join(", ")}`, params]
}

type SpanInsert = readonly [string, ReadonlyArray<string | number>]

/**
 * PostgreSQL binds at most 65,535 parameters per statement; a span takes at most one per column,
 * and the run's UPDATE that may share the statement a few dozen more. Spans are sent this many to
 * a statement, whatever a caller's batch size (the domain caps a batch far lower, at
 * `Commands.maxBatchSpans`; this keeps the store correct on its own).
 */
export const spansPerStatement = Math.floor((65_535 - 100) / Rows.spanColumns.length)

/** The spans' INSERTs: one statement, or several of `spansPerStatement` in order. Never none. */
const spanInserts = (rows: ReadonlyArray<Span.Span>): readonly [SpanInsert, ...Array<SpanInsert>] => {
  const [first, ...rest] = Array.from(
    { length: Math.max(1, Math.ceil(rows.length / spansPerStatement)) },
    (_, index) => spanInsert(rows.slice(index * spansPerStatement, (index + 1) * spansPerStatement))
  )
  return first === undefined ? [spanInsert(rows)] : [first, ...rest]
}

const distinctPerSpan: ReadonlySet<string> = new Set(["id", "payload", "result_payload", "sequence"])

/**
 * `UPDATE agent_instances` to the instance's state, its parameters numbered after `before`
 * others (it follows a span INSERT in one statement); ends with its WHERE, so a caller can add
 * a condition.
 */
const instanceUpdate = (instance: Instance.Instance, before: number): readonly [string, ReadonlyArray<unknown>] => {
  const state = Object.entries(instanceState(instance)).filter(([column]) => column !== "inserted_at")
  const at = (i: number) => `$${before + i + 1}`
  const assignments = state.map(([column], i) => `${column} = ${at(i)}`).join(", ")
  return [
    `UPDATE agent_instances SET ${assignments} WHERE account_id = ${at(state.length)} AND id = ${at(state.length + 1)}`,
    [...state.map(([, value]) => value), instance.account_id, instance.id]
  ]
}

/** An optimistic write found its run changed since it was read. */
class Stale {
  readonly _tag = "Stale"
}

/** Work the optimistic path does not take (several runs in one batch): it runs locking instead. */
class Unsuited {
  readonly _tag = "Unsuited"
}

/** The mutable state of an instance, as columns. */
const instanceState = (row: Instance.Instance) => ({
  status: row.status,
  purpose: row.purpose,
  started_at: Rows.toTimestampOrNull(row.started_at),
  finished_at: Rows.toTimestampOrNull(row.finished_at),
  termination_reason: row.termination_reason,
  span_counts: JSON.stringify(row.span_counts),
  conformance_counts: JSON.stringify(row.conformance_counts),
  risk_profile_revision_id: row.risk_profile_revision_id,
  risk_total: row.risk?.total ?? null,
  risk_level: row.risk?.level ?? null,
  risk_peak_level: row.risk?.peak_level ?? null,
  inserted_at: Rows.toTimestamp(row.inserted_at),
  updated_at: Rows.toTimestamp(row.updated_at)
})

/**
 * The migrator's bookkeeping table, created under an advisory lock: `@effect/sql`'s migrator
 * checks for it and creates it outside any lock, so stores starting at once on an empty database
 * would race to create it. Once it exists, the migrator locks it for the migrations themselves.
 */
const bookkeeping = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql.withTransaction(Effect.zipRight(
    sql`SELECT pg_advisory_xact_lock(7309467720631265)`,
    sql`CREATE TABLE IF NOT EXISTS effect_sql_migrations (
      migration_id integer PRIMARY KEY,
      created_at timestamp with time zone NOT NULL DEFAULT now(),
      name text NOT NULL
    )`
  )))

/** Applies the pending migrations (idempotent: a second run applies nothing; safe for concurrent starts). */
export const migrate = Effect.zipRight(bookkeeping, Migrator.make({})({ loader: Migrator.fromRecord(migrations) }))

/** The store on whatever `SqlClient` is provided, migrated first. */
export const layer: Layer.Layer<LedgerStore, never, SqlClient.SqlClient> = Layer.effect(
  LedgerStore,
  Effect.zipRight(Effect.orDie(migrate), make)
)

/** The store on embedded PGlite: persistent in `dataDir`, or in memory without one. */
export const layerPglite = (config: PgliteClient.PgliteClientConfig = {}): Layer.Layer<LedgerStore> =>
  layer.pipe(Layer.provide(PgliteClient.layer(config)), Layer.orDie)

/**
 * The store on embedded PGlite in a worker thread (`PgliteWorker.ts`): the same database as
 * `layerPglite`, with PostgreSQL's work off the calling thread.
 */
export const layerPgliteWorker = (config: PgliteWorker.PgliteWorkerConfig = {}): Layer.Layer<LedgerStore> =>
  layer.pipe(Layer.provide(PgliteWorker.layer(config)), Layer.orDie)

/** The store on a PostgreSQL server. */
export const layerPg = (config: PgClient.PgClientConfig): Layer.Layer<LedgerStore> =>
  layer.pipe(Layer.provide(PgClient.layer(config)), Layer.orDie)

/** The store on the PostgreSQL server a configuration names (e.g. `DATABASE_URL`). */
export const layerPgConfig = (config: Config.Config.Wrap<PgClient.PgClientConfig>): Layer.Layer<LedgerStore> =>
  layer.pipe(Layer.provide(PgClient.layerConfig(config)), Layer.orDie)
