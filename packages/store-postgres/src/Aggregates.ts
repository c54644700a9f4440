/**
 * The aggregate reads of the store port on PostgreSQL: their decoders, and the outline's select.
 * Each aggregate is one GROUP BY (or join) limited to a page's ids, so a page of agents or
 * versions costs the same number of statements whatever the agent has accumulated.
 */
import { Ids, type Risk, Status, type Usage } from "@agentledger/domain"
import * as Rows from "./Rows.js"

const status = (row: Rows.Row, column: string): Status.Status => {
  const value = Rows.text(row, column)
  const known = Status.statuses.find((candidate) => candidate === value)
  if (known === undefined) throw new Error(`agentledger: column ${column} holds an unknown status`)
  return known
}

const agentId = (row: Rows.Row): Ids.AgentId => Ids.AgentId.make(Rows.text(row, "agent_id"), true)

export const statusTally = (row: Rows.Row): Usage.StatusTally => ({
  agent_id: agentId(row),
  status: status(row, "status"),
  count: Rows.integer(row, "count")
})

export const agentTally = (row: Rows.Row): Usage.AgentTally => ({ agent_id: agentId(row), count: Rows.integer(row, "count") })

export const identifierTally = (row: Rows.Row): Usage.IdentifierTally => ({
  agent_id: agentId(row),
  external_identifier: Rows.textOrNull(row, "external_identifier"),
  count: Rows.integer(row, "count")
})

export const schemaDeployment = (row: Rows.Row): Usage.SchemaDeployment => ({
  deployment: Rows.deployment(row),
  agent_schema_version_id: Ids.SchemaVersionId.make(Rows.text(row, "schema_version_of"), true)
})

export const spanTally = (row: Rows.Row): Risk.SpanTally => ({
  schema_name: Rows.text(row, "schema_name"),
  status: Rows.text(row, "status"),
  span_count: Rows.integer(row, "span_count"),
  points: Rows.integer(row, "points")
})

/**
 * A span read as `Rows.spanSelect` reads it, but with the payloads, the summary and the
 * conformance errors left in the table: an outline row costs the same however large the span.
 * The placeholders keep the shape `Rows.spanReader` decodes.
 */
export const outlineSelect = Rows.spanSelect.replace(
  "summary, payload, result_payload, conformance::text AS conformance_text",
  "NULL::text AS summary, '{}'::jsonb AS payload, NULL::jsonb AS result_payload, " +
    "jsonb_build_object('payload', conformance->'payload', 'result', conformance->'result', 'errors', '[]'::jsonb)::text AS conformance_text"
)
if (outlineSelect === Rows.spanSelect) throw new Error("agentledger: the outline select no longer matches the span select")
