/**
 * The runs as the console reads them: a run (instance) and its stamps, a span's outline (what the
 * tree shows) and the whole span (opened on demand), a run's risk report. Field names are the
 * API's; `Contract.ts` checks them against the contract.
 */
import type { Reader } from "./Read.js"

export const statuses = ["pending", "active", "complete", "failed", "cancelled", "terminated"] as const
export type Status = (typeof statuses)[number]

export const riskLevels = ["low", "medium", "high", "critical"] as const
export type RiskLevel = (typeof riskLevels)[number]

export const purposes = ["live", "smoke_test", "eval"] as const
export type Purpose = (typeof purposes)[number]

export const conformanceStatuses = ["conforms", "mismatch", "undeclared_type", "invalid_definition", "not_applicable", "unchecked"] as const
export type ConformanceStatus = (typeof conformanceStatuses)[number]

export const protocols = ["prefactor", "otlp"] as const
export type Protocol = (typeof protocols)[number]

/** Who reported a run: the protocol its registration came by, and the SDK the client named (text, as it sent it). */
export interface ReportedBy {
  readonly protocol: Protocol
  readonly sdk: string | null
}

export interface InstanceRisk {
  readonly total: number
  readonly level: RiskLevel
  readonly peak_level: RiskLevel
}

export interface Instance {
  readonly id: string
  readonly agent_id: string
  readonly agent_version_id: string
  readonly agent_schema_version_id: string
  readonly environment_id: string
  readonly agent_deployment_id: string | null
  readonly status: Status
  readonly purpose: Purpose
  /** Null when not recorded (runs from before the ledger kept it, or registered by an embedding service). */
  readonly reported_by: ReportedBy | null
  readonly started_at: string | null
  readonly finished_at: string | null
  readonly termination_reason: string | null
  readonly span_counts: Readonly<Record<string, number>>
  readonly conformance_counts: { readonly conforms: number; readonly flagged: number }
  readonly risk_profile_revision_id: string | null
  readonly risk: InstanceRisk | null
  /** When its payloads were redacted; null while they are as recorded. */
  readonly redacted_at: string | null
  readonly inserted_at: string
  readonly updated_at: string
}

const instanceRisk = (r: Reader): InstanceRisk => ({
  total: r.number("total"),
  level: r.oneOf("level", riskLevels),
  peak_level: r.oneOf("peak_level", riskLevels)
})

export const instance = (r: Reader): Instance => ({
  id: r.string("id"),
  agent_id: r.string("agent_id"),
  agent_version_id: r.string("agent_version_id"),
  agent_schema_version_id: r.string("agent_schema_version_id"),
  environment_id: r.string("environment_id"),
  agent_deployment_id: r.nullableString("agent_deployment_id"),
  status: r.oneOf("status", statuses),
  purpose: r.oneOf("purpose", purposes),
  reported_by: r.nullableObject("reported_by", (b) => ({ protocol: b.oneOf("protocol", protocols), sdk: b.nullableString("sdk") })),
  started_at: r.nullableString("started_at"),
  finished_at: r.nullableString("finished_at"),
  termination_reason: r.nullableString("termination_reason"),
  span_counts: r.numbers("span_counts"),
  conformance_counts: r.object("conformance_counts", (c) => ({ conforms: c.number("conforms"), flagged: c.number("flagged") }), { conforms: 0, flagged: 0 }),
  risk_profile_revision_id: r.nullableString("risk_profile_revision_id"),
  risk: r.nullableObject("risk", instanceRisk),
  redacted_at: r.nullableString("redacted_at"),
  inserted_at: r.string("inserted_at"),
  updated_at: r.string("updated_at")
})

export interface SpanOutline {
  readonly id: string
  readonly parent_span_id: string | null
  readonly schema_name: string
  readonly schema_title: string
  readonly status: Status
  readonly started_at: string
  readonly finished_at: string | null
  readonly risk_points: number
  readonly sequence: number
  readonly conformance: { readonly payload: ConformanceStatus; readonly result: ConformanceStatus }
}

export const spanOutline = (r: Reader): SpanOutline => ({
  id: r.string("id"),
  parent_span_id: r.nullableString("parent_span_id"),
  schema_name: r.string("schema_name"),
  schema_title: r.string("schema_title"),
  status: r.oneOf("status", statuses),
  started_at: r.string("started_at"),
  finished_at: r.nullableString("finished_at"),
  risk_points: r.number("risk_points"),
  sequence: r.number("sequence"),
  conformance: r.object("conformance", (c) => ({ payload: c.oneOf("payload", conformanceStatuses), result: c.oneOf("result", conformanceStatuses) }), {
    payload: "conforms",
    result: "conforms"
  })
})

export interface ConformanceError {
  readonly target: "payload" | "result"
  readonly instance_path: string
  readonly keyword: string
  readonly message: string
}

export interface Span extends Omit<SpanOutline, "conformance"> {
  readonly payload: unknown
  readonly result_payload: unknown
  readonly summary: string | null
  readonly conformance: {
    readonly payload: ConformanceStatus
    readonly result: ConformanceStatus
    readonly errors: ReadonlyArray<ConformanceError>
  }
}

const conformanceError = (r: Reader): ConformanceError => ({
  target: r.oneOf("target", ["payload", "result"]),
  instance_path: r.string("instance_path"),
  keyword: r.string("keyword"),
  message: r.string("message")
})

export const span = (r: Reader): Span => ({
  ...spanOutline(r),
  payload: r.json("payload"),
  result_payload: r.json("result_payload"),
  summary: r.nullableString("summary"),
  conformance: r.object("conformance", (c) => ({
    payload: c.oneOf("payload", conformanceStatuses),
    result: c.oneOf("result", conformanceStatuses),
    errors: c.array("errors", conformanceError)
  }), { payload: "conforms", result: "conforms", errors: [] })
})

export interface Thresholds {
  readonly medium: number
  readonly high: number
  readonly critical: number
}

export const thresholds = (r: Reader): Thresholds => ({ medium: r.number("medium"), high: r.number("high"), critical: r.number("critical") })

export interface BreakdownEntry {
  readonly schema_name: string
  readonly span_count: number
  readonly share: number
  readonly points: number
}

export interface RiskReport {
  readonly total: number
  readonly level: RiskLevel
  readonly peak_level: RiskLevel
  readonly thresholds: Thresholds
  readonly profile_revision_id: string
  readonly breakdown: ReadonlyArray<BreakdownEntry>
}

export const riskReport = (r: Reader): RiskReport => ({
  total: r.number("total"),
  level: r.oneOf("level", riskLevels),
  peak_level: r.oneOf("peak_level", riskLevels),
  thresholds: r.object("thresholds", thresholds, { medium: 0, high: 0, critical: 0 }),
  profile_revision_id: r.string("profile_revision_id"),
  breakdown: r.array("breakdown", (b) => ({
    schema_name: b.string("schema_name"),
    span_count: b.number("span_count"),
    share: b.number("share"),
    points: b.number("points")
  }))
})

/**
 * Whether a run is still open (pending or active): only an open run is offered Terminate. The
 * API is the authority (a terminal run's terminate is refused); this only spares a reviewer a
 * button that cannot work.
 */
export const isOpen = (status: Status): boolean => status === "pending" || status === "active"
