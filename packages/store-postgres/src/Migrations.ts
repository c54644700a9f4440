/**
 * The schema, as `@effect/sql` migrations. `account_id` is the first column of every primary
 * key, unique constraint and foreign key, so the schema can be distributed by account
 * (Citus-style) without a redesign; the invariants the domain keeps are kept here too, by
 * constraints: one deployment per (agent, environment), one version and one schema version per
 * (agent, fingerprint), one environment name per account whatever its case, a deployment's
 * version belongs to its agent, a span belongs to its instance, one idempotency key per
 * (account, principal). A span's parent is the domain's alone since `0007_reported_spans` (a span
 * reported after it completed may name a parent that arrives later).
 *
 * Two indexes are global by design, not per account (`0002_principal_keys`): a secret's hash is
 * unique in the whole store, since authentication finds a token by it before it knows the
 * account; and the operator's idempotency keys are looked up across accounts, since the account
 * an operator's key created is what a retry asks for.
 */
import { Migrator, SqlClient } from "@effect/sql"
import { Effect } from "effect"

const statements = (...sql: ReadonlyArray<string>) =>
  Effect.flatMap(SqlClient.SqlClient, (client) => Effect.forEach(sql, (statement) => client.unsafe(statement), { discard: true }))

export const migrations = {
  "0001_ledger": statements(
    `CREATE TABLE accounts (
      account_id text PRIMARY KEY,
      name text NOT NULL,
      partition integer NOT NULL,
      inserted_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    )`,
    `CREATE TABLE environments (
      account_id text NOT NULL REFERENCES accounts (account_id),
      id text NOT NULL,
      name text NOT NULL,
      name_key text GENERATED ALWAYS AS (lower(btrim(name))) STORED,
      purpose text NOT NULL CHECK (purpose IN ('development', 'staging', 'testing', 'production')),
      description text,
      inserted_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (account_id, id),
      UNIQUE (account_id, name_key)
    )`,
    `CREATE TABLE risk_profiles (
      account_id text NOT NULL REFERENCES accounts (account_id),
      id text NOT NULL,
      name text NOT NULL,
      description text,
      current_revision_id text NOT NULL,
      revision integer NOT NULL,
      deleted_at timestamptz,
      inserted_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (account_id, id)
    )`,
    `CREATE TABLE risk_profile_revisions (
      account_id text NOT NULL,
      id text NOT NULL,
      risk_profile_id text NOT NULL,
      revision integer NOT NULL,
      rules jsonb NOT NULL,
      inserted_at timestamptz NOT NULL,
      PRIMARY KEY (account_id, id),
      UNIQUE (account_id, risk_profile_id, revision),
      FOREIGN KEY (account_id, risk_profile_id) REFERENCES risk_profiles (account_id, id)
    )`,
    `CREATE TABLE agents (
      account_id text NOT NULL REFERENCES accounts (account_id),
      id text NOT NULL,
      name text NOT NULL,
      description text,
      external_identifier text,
      status text NOT NULL CHECK (status IN ('pending', 'active', 'retired')),
      risk_profile_id text,
      last_run_at timestamptz,
      inserted_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (account_id, id),
      UNIQUE (account_id, external_identifier),
      FOREIGN KEY (account_id, risk_profile_id) REFERENCES risk_profiles (account_id, id)
    )`,
    `CREATE TABLE agent_schema_versions (
      account_id text NOT NULL,
      id text NOT NULL,
      agent_id text NOT NULL,
      sequence integer NOT NULL,
      external_identifier text,
      span_type_schemas jsonb NOT NULL,
      definition_checks jsonb NOT NULL,
      fingerprint text NOT NULL,
      inserted_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (account_id, id),
      UNIQUE (account_id, agent_id, fingerprint),
      UNIQUE (account_id, agent_id, sequence),
      FOREIGN KEY (account_id, agent_id) REFERENCES agents (account_id, id)
    )`,
    `CREATE TABLE agent_versions (
      account_id text NOT NULL,
      id text NOT NULL,
      agent_id text NOT NULL,
      sequence integer NOT NULL,
      external_identifier text,
      name text,
      description text,
      agent_schema_version_id text NOT NULL,
      runtime_environment jsonb NOT NULL,
      fingerprint text NOT NULL,
      inserted_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (account_id, id),
      UNIQUE (account_id, agent_id, fingerprint),
      UNIQUE (account_id, agent_id, sequence),
      UNIQUE (account_id, agent_id, id),
      FOREIGN KEY (account_id, agent_id) REFERENCES agents (account_id, id),
      FOREIGN KEY (account_id, agent_schema_version_id) REFERENCES agent_schema_versions (account_id, id)
    )`,
    `CREATE TABLE agent_deployments (
      account_id text NOT NULL,
      id text NOT NULL,
      agent_id text NOT NULL,
      environment_id text NOT NULL,
      current_version_id text,
      inserted_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (account_id, id),
      UNIQUE (account_id, agent_id, environment_id),
      FOREIGN KEY (account_id, agent_id) REFERENCES agents (account_id, id),
      FOREIGN KEY (account_id, environment_id) REFERENCES environments (account_id, id),
      FOREIGN KEY (account_id, agent_id, current_version_id) REFERENCES agent_versions (account_id, agent_id, id)
    )`,
    `CREATE TABLE deployment_history (
      account_id text NOT NULL,
      agent_deployment_id text NOT NULL,
      position integer NOT NULL,
      from_version_id text,
      to_version_id text,
      cause text NOT NULL CHECK (cause IN ('run', 'api', 'rollback')),
      changed_at timestamptz NOT NULL,
      PRIMARY KEY (account_id, agent_deployment_id, position),
      FOREIGN KEY (account_id, agent_deployment_id) REFERENCES agent_deployments (account_id, id) ON DELETE CASCADE
    )`,
    `CREATE TABLE api_tokens (
      account_id text NOT NULL REFERENCES accounts (account_id),
      id text NOT NULL,
      token_scope text NOT NULL CHECK (token_scope IN ('account', 'agent_deployment')),
      agent_deployment_id text,
      agent_id text,
      environment_id text,
      status text NOT NULL CHECK (status IN ('active', 'suspended', 'revoked')),
      secret_hash text NOT NULL,
      expires_at timestamptz,
      last_used_at timestamptz,
      inserted_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (account_id, id),
      UNIQUE (account_id, secret_hash)
    )`,
    // Authentication looks a secret up before it knows the account.
    `CREATE INDEX api_tokens_secret_hash ON api_tokens (secret_hash)`,
    `CREATE TABLE agent_instances (
      account_id text NOT NULL,
      id text NOT NULL,
      agent_id text NOT NULL,
      agent_version_id text NOT NULL,
      agent_schema_version_id text NOT NULL,
      environment_id text NOT NULL,
      agent_deployment_id text,
      status text NOT NULL CHECK (status IN ('pending', 'active', 'complete', 'failed', 'cancelled', 'terminated')),
      purpose text NOT NULL CHECK (purpose IN ('live', 'smoke_test', 'eval')),
      started_at timestamptz,
      finished_at timestamptz,
      termination_reason text,
      span_counts jsonb NOT NULL,
      conformance_counts jsonb NOT NULL,
      risk_profile_revision_id text,
      risk_total bigint,
      risk_level text,
      risk_peak_level text,
      inserted_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (account_id, id),
      FOREIGN KEY (account_id, agent_id) REFERENCES agents (account_id, id),
      FOREIGN KEY (account_id, agent_id, agent_version_id) REFERENCES agent_versions (account_id, agent_id, id),
      FOREIGN KEY (account_id, agent_schema_version_id) REFERENCES agent_schema_versions (account_id, id),
      FOREIGN KEY (account_id, environment_id) REFERENCES environments (account_id, id),
      FOREIGN KEY (account_id, agent_deployment_id) REFERENCES agent_deployments (account_id, id),
      FOREIGN KEY (account_id, risk_profile_revision_id) REFERENCES risk_profile_revisions (account_id, id)
    )`,
    `CREATE INDEX agent_instances_agent ON agent_instances (account_id, agent_id, id)`,
    `CREATE INDEX agent_instances_environment ON agent_instances (account_id, environment_id, id)`,
    `CREATE INDEX agent_instances_deployment ON agent_instances (account_id, agent_deployment_id)`,
    `CREATE INDEX agent_instances_version ON agent_instances (account_id, agent_version_id, id)`,
    `CREATE TABLE agent_spans (
      account_id text NOT NULL,
      id text NOT NULL,
      agent_id text NOT NULL,
      agent_instance_id text NOT NULL,
      parent_span_id text,
      schema_name text NOT NULL,
      schema_title text NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'active', 'complete', 'failed', 'cancelled', 'terminated')),
      payload jsonb NOT NULL,
      result_payload jsonb,
      summary text,
      started_at timestamptz NOT NULL,
      finished_at timestamptz,
      conformance jsonb NOT NULL,
      risk_points bigint NOT NULL,
      sequence integer NOT NULL,
      inserted_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (account_id, id),
      UNIQUE (account_id, agent_instance_id, id),
      UNIQUE (account_id, agent_instance_id, sequence),
      FOREIGN KEY (account_id, agent_instance_id) REFERENCES agent_instances (account_id, id),
      FOREIGN KEY (account_id, agent_instance_id, parent_span_id) REFERENCES agent_spans (account_id, agent_instance_id, id)
    )`,
    `CREATE INDEX agent_spans_started ON agent_spans (account_id, started_at, id)`,
    `CREATE INDEX agent_spans_open ON agent_spans (account_id, agent_instance_id) WHERE status IN ('pending', 'active')`,
    `CREATE TABLE idempotency_keys (
      account_id text NOT NULL REFERENCES accounts (account_id),
      key text NOT NULL,
      operation text,
      request_fingerprint text,
      response text,
      inserted_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (account_id, key)
    )`
  ),
  // A key belongs to the principal (token) that used it, and expires: the claim's time is
  // written by the ledger (inserted_at keeps its default only for rows from before).
  "0002_principal_keys": statements(
    `ALTER TABLE idempotency_keys ADD COLUMN principal text NOT NULL DEFAULT ''`,
    `ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey`,
    `ALTER TABLE idempotency_keys ADD PRIMARY KEY (account_id, principal, key)`,
    `ALTER TABLE idempotency_keys ALTER COLUMN principal DROP DEFAULT`,
    `CREATE INDEX idempotency_keys_expiry ON idempotency_keys (account_id, inserted_at)`,
    `CREATE INDEX idempotency_keys_principal ON idempotency_keys (principal, key, account_id)`,
    // Authentication reads one token per secret hash: the hash is unique in the store, not only
    // in an account (two accounts holding one secret made authentication pick one at random).
    `ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_account_id_secret_hash_key`,
    `DROP INDEX api_tokens_secret_hash`,
    `CREATE UNIQUE INDEX api_tokens_secret_hash_key ON api_tokens (secret_hash)`
  ),
  // A reviewer reads runs by when they took place (`InstanceQuery.runStart`, the store's
  // `Filters.runStart`, written identically so the planner matches it): a page of the newest,
  // a window of time, the overview's last day.
  "0003_run_reads": statements(
    `CREATE INDEX agent_instances_run_start ON agent_instances (account_id, (coalesce(started_at, inserted_at)), id)`
  ),
  // The audit log: each account's events in sequence order, a hash chain (`Audit`), and the
  // chain's head per account, the row whose lock serializes an account's appends.
  "0004_audit": statements(
    `CREATE TABLE audit_events (
      account_id text NOT NULL REFERENCES accounts (account_id),
      sequence bigint NOT NULL CHECK (sequence > 0),
      id text NOT NULL,
      action text NOT NULL,
      entity text NOT NULL,
      entity_id text,
      actor_type text NOT NULL CHECK (actor_type IN ('api_token', 'operator', 'system')),
      actor_id text,
      actor_scope text CHECK (actor_scope IN ('account', 'agent_deployment')),
      occurred_at timestamptz NOT NULL,
      before jsonb NOT NULL,
      after jsonb NOT NULL,
      previous_hash text NOT NULL,
      hash text NOT NULL,
      PRIMARY KEY (account_id, sequence),
      UNIQUE (account_id, id)
    )`,
    `CREATE INDEX audit_events_entity ON audit_events (account_id, entity, entity_id)`,
    `CREATE INDEX audit_events_actor ON audit_events (account_id, actor_type, actor_id)`,
    `CREATE INDEX audit_events_occurred ON audit_events (account_id, occurred_at)`,
    `CREATE TABLE audit_heads (
      account_id text PRIMARY KEY REFERENCES accounts (account_id),
      sequence bigint NOT NULL,
      hash text NOT NULL
    )`,
    // Who moved a deployment's pointer (and the run whose registration did), who wrote a
    // profile's revision: null on rows from before. A deleted token stays, marked.
    `ALTER TABLE deployment_history
      ADD COLUMN actor_type text CHECK (actor_type IN ('api_token', 'operator', 'system')),
      ADD COLUMN actor_id text,
      ADD COLUMN actor_scope text CHECK (actor_scope IN ('account', 'agent_deployment')),
      ADD COLUMN agent_instance_id text`,
    `ALTER TABLE risk_profile_revisions
      ADD COLUMN created_by_type text CHECK (created_by_type IN ('api_token', 'operator', 'system')),
      ADD COLUMN created_by_id text,
      ADD COLUMN created_by_scope text CHECK (created_by_scope IN ('account', 'agent_deployment'))`,
    `ALTER TABLE api_tokens ADD COLUMN deleted_at timestamptz`
  ),
  // Erasure and retention: an account's policy; a run's redaction mark; the runs an idempotency
  // record's answer is about, so erasing a run drops the records that would replay it (a GIN
  // index finds them by any run); and the finished runs by finish, which retention selects by.
  "0005_retention": statements(
    `CREATE TABLE retention_policies (
      account_id text PRIMARY KEY REFERENCES accounts (account_id),
      run_days integer CHECK (run_days > 0),
      environments jsonb NOT NULL,
      updated_at timestamptz
    )`,
    `ALTER TABLE agent_instances ADD COLUMN redacted_at timestamptz`,
    `CREATE INDEX agent_instances_finished ON agent_instances (account_id, finished_at) WHERE finished_at IS NOT NULL`,
    `ALTER TABLE idempotency_keys ADD COLUMN agent_instance_ids text[]`,
    `CREATE INDEX idempotency_keys_runs ON idempotency_keys USING gin (agent_instance_ids) WHERE agent_instance_ids IS NOT NULL`
  ),
  // Masking at ingest: an account's policy (one row, replaced whole; none means nothing is
  // masked), and the client's `sensitive_encoding` on each span (null: the client said nothing,
  // as every span stored before this migration).
  "0006_masking": statements(
    `CREATE TABLE masking_policies (
      account_id text PRIMARY KEY REFERENCES accounts (account_id),
      categories jsonb NOT NULL,
      keys jsonb NOT NULL,
      updated_at timestamptz
    )`,
    `ALTER TABLE agent_spans ADD COLUMN sensitive_encoding boolean`
  ),
  // Spans reported after they completed (OTLP) may name a parent that arrives later: the domain
  // keeps that rule (`ReportedSpans`), and the timeline shows such a span as a root until then.
  // The reference from a span to its parent is no longer a foreign key; a span still belongs to
  // its run (that key stays).
  "0007_reported_spans": statements(
    `ALTER TABLE agent_spans DROP CONSTRAINT agent_spans_account_id_agent_instance_id_parent_span_id_fkey`
  ),
  // The newer Prefactor wire: a run's quality payloads by name (none on the runs before), and who
  // reported it — the protocol its registration came by and the SDK the client named (null on the
  // runs before: not recorded).
  "0008_sdk_wire": statements(
    `ALTER TABLE agent_instances
      ADD COLUMN quality_payloads jsonb NOT NULL DEFAULT '{}'::jsonb,
      ADD COLUMN reported_protocol text CHECK (reported_protocol IN ('prefactor', 'otlp')),
      ADD COLUMN reported_sdk text,
      ADD CONSTRAINT agent_instances_reported_by CHECK (reported_sdk IS NULL OR reported_protocol IS NOT NULL)`
  )
}

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

/** The newest migration here, by the number its name begins with. */
const newest = Math.max(...Object.keys(migrations).map((name) => Number.parseInt(name, 10)))

/**
 * Whether the store already records the newest migration, in one query: a start on an existing
 * store then does nothing more (the bookkeeping and the migrator's own check take ten statements,
 * two transactions and two locks). A new database, without the migrator's table, reads as no.
 */
const current = Effect.flatMap(SqlClient.SqlClient, (sql) => sql`SELECT max(migration_id) AS id FROM effect_sql_migrations`).pipe(
  Effect.map((rows) => {
    const id = rows[0]?.["id"]
    return typeof id === "number" && id >= newest
  }),
  Effect.orElseSucceed(() => false)
)

/**
 * Applies the pending migrations, and answers them as `[id, name]` (idempotent: a second run
 * applies nothing; safe for concurrent starts).
 */
export const migrate = Effect.flatMap(current, (done) =>
  done
    ? Effect.succeed<ReadonlyArray<readonly [id: number, name: string]>>([])
    : Effect.zipRight(bookkeeping, Migrator.make({})({ loader: Migrator.fromRecord(migrations) })))
