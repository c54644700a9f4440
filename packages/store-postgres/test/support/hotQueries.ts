/**
 * The hot queries of the store, as it sends them (its SQL text from src/operations and
 * src/ingest, span reads with its own column lists), each with real parameters from the
 * populated database and the key columns an index must serve.
 */
import { flaggedRun, runStart } from "../../src/operations/Filters.js"
import { outlineSelect, select as spanSelect } from "../../src/tables/Spans.js"
import { type Fixture, windowEnd, windowStart } from "./planningDatabase.js"

/** A hot query of the store: its SQL (from src/operations and src/ingest), its parameters, and the key columns an index must match. */
export interface HotQuery {
  readonly name: string
  readonly sql: string
  readonly params: (f: Fixture) => ReadonlyArray<unknown>
  /** Columns that must appear in the plan's index conditions. */
  readonly served: ReadonlyArray<string>
}

export const hotQueries: ReadonlyArray<HotQuery> = [
  {
    name: "instance lock by id (every run transition, every span)",
    sql: "SELECT * FROM agent_instances WHERE (account_id = $1 AND id = $2) FOR UPDATE",
    params: (f) => [f.account, f.instance],
    served: ["account_id", "id"]
  },
  {
    name: "agent lock by id (register, deploy)",
    sql: "SELECT * FROM agents WHERE (account_id = $1 AND id = $2) FOR UPDATE",
    params: (f) => [f.account, f.agent],
    served: ["account_id", "id"]
  },
  {
    name: "span by id (a new span's parent, loaded by the use case)",
    sql: `SELECT ${spanSelect} FROM agent_spans WHERE (account_id = $1 AND id = $2)`,
    params: (f) => [f.account, f.span],
    served: ["account_id", "id"]
  },
  {
    // What PostgreSQL itself runs for the foreign key (account_id, agent_instance_id, parent_span_id) on a span insert.
    name: "span insert's parent check (the same-instance parent foreign key)",
    sql: "SELECT 1 FROM ONLY agent_spans x WHERE account_id = $1 AND agent_instance_id = $2 AND id = $3 FOR KEY SHARE OF x",
    params: (f) => [f.account, f.instance, f.span],
    served: ["account_id", "id"]
  },
  {
    name: "span insert's instance check (the instance foreign key)",
    sql: "SELECT 1 FROM ONLY agent_instances x WHERE account_id = $1 AND id = $2 FOR KEY SHARE OF x",
    params: (f) => [f.account, f.instance],
    served: ["account_id", "id"]
  },
  {
    name: "timeline: spans.ofInstance",
    sql: `SELECT ${spanSelect} FROM agent_spans WHERE account_id = $1 AND agent_instance_id = $2 ORDER BY sequence`,
    params: (f) => [f.account, f.instance],
    served: ["account_id", "agent_instance_id"]
  },
  {
    name: "open spans of an instance (terminate)",
    sql: `SELECT ${spanSelect} FROM agent_spans WHERE account_id = $1 AND agent_instance_id = $2 AND status IN ('pending', 'active') ORDER BY sequence`,
    params: (f) => [f.account, f.instance],
    served: ["account_id", "agent_instance_id"]
  },
  {
    name: "span list by instance: the page",
    sql: `SELECT ${spanSelect} FROM agent_spans WHERE (account_id = $1 AND "agent_instance_id" = $2) ORDER BY "started_at" ASC NULLS LAST, id ASC LIMIT $3 OFFSET $4`,
    params: (f) => [f.account, f.instance, 100, 0],
    served: ["account_id", "agent_instance_id"]
  },
  {
    name: "span list by instance: the total",
    sql: `SELECT count(*)::int AS count FROM agent_spans WHERE (account_id = $1 AND "agent_instance_id" = $2)`,
    params: (f) => [f.account, f.instance],
    served: ["account_id", "agent_instance_id"]
  },
  {
    name: "span list by time window: the page",
    sql: `SELECT ${spanSelect} FROM agent_spans WHERE (account_id = $1 AND started_at >= $2 AND started_at < $3) ORDER BY "started_at" ASC NULLS LAST, id ASC LIMIT $4 OFFSET $5`,
    params: (f) => [f.account, windowStart, windowEnd, 100, 0],
    served: ["account_id", "started_at"]
  },
  {
    name: "span list by time window: the total",
    sql: "SELECT count(*)::int AS count FROM agent_spans WHERE (account_id = $1 AND started_at >= $2 AND started_at < $3)",
    params: (f) => [f.account, windowStart, windowEnd],
    served: ["account_id", "started_at"]
  },
  {
    name: "span list of the account: the page",
    sql: `SELECT ${spanSelect} FROM agent_spans WHERE (account_id = $1) ORDER BY "started_at" ASC NULLS LAST, id ASC LIMIT $2 OFFSET $3`,
    params: (f) => [f.account, 100, 0],
    served: ["account_id"]
  },
  {
    name: "instance list by agent: the page",
    sql: `SELECT * FROM agent_instances WHERE (account_id = $1 AND "agent_id" = $2) ORDER BY "id" DESC NULLS LAST, id DESC LIMIT $3 OFFSET $4`,
    params: (f) => [f.account, f.agent, 100, 0],
    served: ["account_id", "agent_id"]
  },
  {
    name: "instance list by agent: the total",
    sql: `SELECT count(*)::int AS count FROM agent_instances WHERE (account_id = $1 AND "agent_id" = $2)`,
    params: (f) => [f.account, f.agent],
    served: ["account_id", "agent_id"]
  },
  {
    name: "instance list by when runs took place (a reviewer's newest runs): the page",
    sql: `SELECT * FROM agent_instances WHERE (account_id = $1) ORDER BY ${runStart} DESC , "agent_instances".id DESC LIMIT $2 OFFSET $3`,
    params: (f) => [f.account, 25, 0],
    served: ["account_id"]
  },
  {
    name: "instance list in a window of time: the total",
    sql: `SELECT count(*)::int AS count FROM agent_instances WHERE (account_id = $1 AND ${runStart} >= $2 AND ${runStart} < $3)`,
    params: (f) => [f.account, "2025-01-01T00:00:00Z", "2999-01-01T00:00:00Z"],
    served: ["account_id"]
  },
  {
    name: "overview: the runs needing attention since a time, newest first",
    sql: `SELECT * FROM agent_instances WHERE (account_id = $1 AND ${runStart} >= $2 AND (${flaggedRun} OR coalesce("risk_level" IN ($3,$4), false)))
          ORDER BY ${runStart} DESC , "agent_instances".id DESC LIMIT $5 OFFSET $6`,
    params: (f) => [f.account, "2025-01-01T00:00:00Z", "high", "critical", 10, 0],
    served: ["account_id"]
  },
  {
    name: "overview: every agent with its runs since a time by (status, level, flagged), one aggregate",
    sql: `SELECT a.id AS agent_id, a.name, a.status, a.last_run_at, r.run_status, r.risk_level, r.flagged, r.count
          FROM agents a
          LEFT JOIN (
            SELECT agent_id, status AS run_status, risk_level, ${flaggedRun} AS flagged, count(*)::int AS count
            FROM agent_instances WHERE (account_id = $1 AND ${runStart} >= $2)
            GROUP BY agent_id, status, risk_level, ${flaggedRun}
          ) r ON r.agent_id = a.id
          WHERE (a.account_id = $3)`,
    params: (f) => [f.account, "2025-01-01T00:00:00Z", f.account],
    served: ["account_id"]
  },
  {
    name: "token lookup by secret hash (every authenticated request, before the account is known)",
    sql: "SELECT * FROM api_tokens WHERE secret_hash = $1",
    params: (f) => [f.secret_hash],
    served: ["secret_hash"]
  },
  {
    name: "deployment by (agent, environment)",
    sql: "SELECT * FROM agent_deployments WHERE account_id = $1 AND agent_id = $2 AND environment_id = $3",
    params: (f) => [f.account, f.agent, f.environment],
    served: ["account_id", "agent_id", "environment_id"]
  },
  {
    name: "deployment history (and the next position of a move)",
    sql: "SELECT * FROM deployment_history WHERE account_id = $1 AND agent_deployment_id = $2 ORDER BY position",
    params: (f) => [f.account, f.deployment],
    served: ["account_id", "agent_deployment_id"]
  },
  {
    name: "version by fingerprint",
    sql: "SELECT * FROM agent_versions WHERE account_id = $1 AND agent_id = $2 AND fingerprint = $3",
    params: (f) => [f.account, f.agent, f.version_fingerprint],
    served: ["account_id", "agent_id", "fingerprint"]
  },
  {
    name: "schema version by fingerprint",
    sql: "SELECT * FROM agent_schema_versions WHERE account_id = $1 AND agent_id = $2 AND fingerprint = $3",
    params: (f) => [f.account, f.agent, f.schema_fingerprint],
    served: ["account_id", "agent_id", "fingerprint"]
  },
  {
    name: "last version sequence of an agent",
    sql: "SELECT coalesce(max(sequence), 0)::int AS count FROM agent_versions WHERE account_id = $1 AND agent_id = $2",
    params: (f) => [f.account, f.agent],
    served: ["account_id", "agent_id"]
  },
  {
    name: "environment by name key",
    sql: "SELECT * FROM environments WHERE account_id = $1 AND name_key = $2",
    params: (f) => [f.account, f.name_key],
    served: ["account_id", "name_key"]
  },
  {
    name: "agent usages: runs of a page of agents by (agent, status)",
    sql: `SELECT agent_id, status, count(*)::int AS count FROM agent_instances WHERE account_id = $1 AND "agent_id" IN ($2) GROUP BY agent_id, status`,
    params: (f) => [f.account, f.agent],
    served: ["account_id", "agent_id"]
  },
  {
    name: "agent usages: deployments of a page of agents",
    sql: `SELECT agent_id, count(*)::int AS count FROM agent_deployments WHERE account_id = $1 AND "agent_id" IN ($2) GROUP BY agent_id`,
    params: (f) => [f.account, f.agent],
    served: ["account_id", "agent_id"]
  },
  {
    name: "version usages: identifier tallies of a page's (agent, identifier) pairs",
    sql: `SELECT agent_id, external_identifier, count(*)::int AS count FROM "agent_versions" WHERE account_id = $1 AND ((agent_id = $2 AND external_identifier = $3)) GROUP BY agent_id, external_identifier`,
    params: (f) => [f.account, f.agent, "1.0.0"],
    served: ["account_id", "agent_id"]
  },
  {
    name: "version usages: deployments on a page's versions",
    sql: `SELECT * FROM agent_deployments WHERE account_id = $1 AND agent_id IN (SELECT agent_id FROM agent_versions WHERE account_id = $1 AND "id" IN ($2)) AND "current_version_id" IN ($2)`,
    params: (f) => [f.account, f.version],
    served: ["account_id", "agent_id", "id"]
  },
  {
    name: "schema version usages: deployments whose current version uses a page's schema versions",
    sql: `SELECT d.*, v.agent_schema_version_id AS schema_version_of FROM agent_deployments d JOIN agent_versions v ON v.account_id = d.account_id AND v.id = d.current_version_id
          WHERE d.account_id = $1 AND d.agent_id IN (SELECT s.agent_id FROM agent_schema_versions s WHERE s.account_id = $1 AND "s"."id" IN ($2)) AND "v"."agent_schema_version_id" IN ($2)`,
    params: (f) => [f.account, f.schema_version],
    served: ["account_id", "agent_id", "id"]
  },
  {
    name: "span outline: a page of a run in creation order",
    sql: `SELECT ${outlineSelect} FROM "agent_spans" WHERE (account_id = $1 AND agent_instance_id = $2) ORDER BY "agent_spans"."sequence" ASC , "agent_spans".id ASC LIMIT $3 OFFSET $4`,
    params: (f) => [f.account, f.instance, 25, 0],
    served: ["account_id", "agent_instance_id"]
  },
  {
    name: "risk report: a run's spans tallied by (type, status)",
    sql: `SELECT schema_name, status, count(*)::int AS span_count, coalesce(sum(risk_points), 0)::int8 AS points FROM agent_spans WHERE account_id = $1 AND agent_instance_id = $2 GROUP BY schema_name, status`,
    params: (f) => [f.account, f.instance],
    served: ["account_id", "agent_instance_id"]
  },
  {
    name: "idempotency key lookup (a principal's key)",
    sql: "SELECT * FROM idempotency_keys WHERE account_id = $1 AND principal = $2 AND key = $3",
    params: (f) => [f.account, "some-token", "some-key"],
    served: ["account_id", "principal", "key"]
  },
  {
    name: "the operator's key, across accounts (a retried account creation)",
    sql: "SELECT account_id FROM idempotency_keys WHERE principal = $1 AND key = $2 AND response IS NOT NULL AND inserted_at >= $3 LIMIT 1",
    params: () => ["operator", "some-key", "2026-01-01T00:00:00Z"],
    served: ["principal", "key"]
  }
]
