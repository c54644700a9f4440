/**
 * The `agent_instances` table: a run as a row and back. A run's stamps (its agent, version,
 * schema version, environment, deployment, reporter) are written once; its progress (status,
 * counts, risk) is what every later write of the run changes, ingest's included. Its quality
 * payloads are written by their own statement only (`qualityChanges`), so ingest's write never
 * carries them: a span costs the same whatever a run's quality holds.
 */
import { Ids, Instance, Quality, Reporter, Risk, Status } from "@agentledger/domain"
import * as Columns from "./Columns.js"

export const table = "agent_instances"

export const columns = [
  "account_id",
  "id",
  "agent_id",
  "agent_version_id",
  "agent_schema_version_id",
  "environment_id",
  "agent_deployment_id",
  "status",
  "purpose",
  "started_at",
  "finished_at",
  "termination_reason",
  "span_counts",
  "conformance_counts",
  "risk_profile_revision_id",
  "risk_total",
  "risk_level",
  "risk_peak_level",
  "redacted_at",
  "quality_payloads",
  "reported_protocol",
  "reported_sdk",
  "inserted_at",
  "updated_at"
] as const

const progress = (instance: Instance.Instance) => ({
  status: instance.status,
  purpose: instance.purpose,
  started_at: Columns.toTimestampOrNull(instance.started_at),
  finished_at: Columns.toTimestampOrNull(instance.finished_at),
  termination_reason: instance.termination_reason,
  span_counts: JSON.stringify(instance.span_counts),
  conformance_counts: JSON.stringify(instance.conformance_counts),
  risk_profile_revision_id: instance.risk_profile_revision_id,
  risk_total: instance.risk?.total ?? null,
  risk_level: instance.risk?.level ?? null,
  risk_peak_level: instance.risk?.peak_level ?? null
})

export const toRow = (instance: Instance.Instance): Columns.RowOf<(typeof columns)[number]> => ({
  account_id: instance.account_id,
  id: instance.id,
  agent_id: instance.agent_id,
  agent_version_id: instance.agent_version_id,
  agent_schema_version_id: instance.agent_schema_version_id,
  environment_id: instance.environment_id,
  agent_deployment_id: instance.agent_deployment_id,
  ...progress(instance),
  redacted_at: Columns.toTimestampOrNull(instance.redacted_at),
  quality_payloads: JSON.stringify(instance.quality_payloads),
  reported_protocol: instance.reported_by?.protocol ?? null,
  reported_sdk: instance.reported_by?.sdk ?? null,
  inserted_at: Columns.toTimestamp(instance.inserted_at),
  updated_at: Columns.toTimestamp(instance.updated_at)
})

/**
 * The columns an update writes, in this order (ingest's statement text follows it). Not
 * `redacted_at`: only a redaction writes it (`operations/Erasure.ts`), so no later write of the
 * run from an older read can clear it.
 */
export const changes = (instance: Instance.Instance) => ({
  ...progress(instance),
  updated_at: Columns.toTimestamp(instance.updated_at)
})

/** The columns a recording of quality writes (`StoreTx.instances.writeQuality`). */
export const qualityChanges = (instance: Instance.Instance) => ({
  quality_payloads: JSON.stringify(instance.quality_payloads),
  updated_at: Columns.toTimestamp(instance.updated_at)
})

/** The run's reporter: none on rows from before `0008_sdk_wire`, or when its caller named none. */
const reportedBy = (row: Columns.Row): Reporter.ReportedBy | null =>
  row["reported_protocol"] === null || row["reported_protocol"] === undefined
    ? null
    : { protocol: Columns.literal(row, "reported_protocol", Reporter.ReportingProtocol), sdk: Columns.textOrNull(row, "reported_sdk") }

export const fromRow = (row: Columns.Row): Instance.Instance => {
  const total = Columns.integerOrNull(row, "risk_total")
  return {
    id: Columns.id(Ids.InstanceId)(row, "id"),
    account_id: Columns.id(Ids.AccountId)(row, "account_id"),
    agent_id: Columns.id(Ids.AgentId)(row, "agent_id"),
    agent_version_id: Columns.id(Ids.AgentVersionId)(row, "agent_version_id"),
    agent_schema_version_id: Columns.id(Ids.SchemaVersionId)(row, "agent_schema_version_id"),
    environment_id: Columns.id(Ids.EnvironmentId)(row, "environment_id"),
    agent_deployment_id: Columns.idOrNull(Ids.DeploymentId)(row, "agent_deployment_id"),
    status: Columns.literal(row, "status", Status.Status),
    purpose: Columns.literal(row, "purpose", Instance.InstancePurpose),
    started_at: Columns.timeOrNull(row, "started_at"),
    finished_at: Columns.timeOrNull(row, "finished_at"),
    termination_reason: Columns.textOrNull(row, "termination_reason"),
    span_counts: Columns.json(row, "span_counts", Status.StatusCounts),
    conformance_counts: Columns.json(row, "conformance_counts", Instance.ConformanceCounts),
    risk_profile_revision_id: Columns.idOrNull(Ids.RiskProfileRevisionId)(row, "risk_profile_revision_id"),
    risk: total === null ? null : {
      total,
      level: Columns.literal(row, "risk_level", Risk.RiskLevel),
      peak_level: Columns.literal(row, "risk_peak_level", Risk.RiskLevel)
    },
    redacted_at: Columns.timeOrNull(row, "redacted_at"),
    quality_payloads: Columns.json(row, "quality_payloads", Quality.QualityPayloads),
    reported_by: reportedBy(row),
    inserted_at: Columns.time(row, "inserted_at"),
    updated_at: Columns.time(row, "updated_at")
  }
}
