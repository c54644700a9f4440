/**
 * The query parameters of the contract's lists: the page and order every list takes, and the
 * filters a reviewer narrows runs and a run's spans by, and the overview's window. Each filter is decoded by the domain's own schema, so a
 * value the domain does not know is a 400 `validation_errors` naming the parameter.
 */
import { Commands, Ids, Instance, Page, Reporter, Risk, Status, Timestamp } from "@agentledger/domain"
import { Schema } from "effect"

const IntFromString = Schema.NumberFromString.pipe(Schema.int())

/** The page and order of a list, as the Prefactor API's query parameters. */
export const PageParams = {
  "pagination[offset]": Schema.optional(IntFromString),
  "pagination[page_size]": Schema.optional(IntFromString),
  sorting: Schema.optional(Schema.String),
  "sorting[field]": Schema.optional(Schema.String),
  "sorting[direction]": Schema.optional(Page.SortDirection)
}
export const PageQuery = Schema.Struct(PageParams)
export type PageQuery = typeof PageQuery.Type

/** The page request of a list's query: `pagination[...]`, and `sorting=-field` or `sorting[field]` + `sorting[direction]`. */
export const listRequest = (query: PageQuery): Commands.ListRequest => {
  const field = query["sorting[field]"]
  const sorting = query.sorting ?? (field === undefined ? undefined : `${query["sorting[direction]"] === "desc" ? "-" : ""}${field}`)
  return {
    offset: query["pagination[offset]"] ?? 0,
    page_size: query["pagination[page_size]"] ?? Page.defaultPageSize,
    ...(sorting === undefined ? {} : { sorting })
  }
}

/** `true` or `false`, as a query parameter says it. */
const Flag = Schema.BooleanFromString

/** `GET /agent_instance`: a page of runs, filtered (`Commands.ListInstances`). */
export const RunListQuery = Schema.Struct({
  ...PageParams,
  agent_id: Schema.optional(Ids.AgentId),
  agent_version_id: Schema.optional(Ids.AgentVersionId),
  environment_id: Schema.optional(Ids.EnvironmentId),
  status: Schema.optional(Status.Status),
  risk_level: Schema.optional(Risk.RiskLevel),
  peak_risk_level: Schema.optional(Risk.RiskLevel),
  flagged: Schema.optional(Flag),
  purpose: Schema.optional(Instance.InstancePurpose),
  protocol: Schema.optional(Reporter.ReportingProtocol),
  started_after: Schema.optional(Timestamp.Timestamp),
  started_before: Schema.optional(Timestamp.Timestamp),
  sort: Schema.optional(Commands.InstanceSort)
})

export const runListDescription = "Runs, every filter combined: risk_level and peak_risk_level (a run without a risk profile has neither), " +
  "flagged (a span of the run does not conform), purpose, protocol (what reported the run: prefactor or otlp), started_after (inclusive) and started_before (exclusive) on when the run " +
  "started (when it registered, if it never started); sort=started_at or -started_at orders by that time (default: -id, newest registered first)"

/** `GET /agent_instance/{id}/spans`: a page of a run's span outline, narrowed (`Commands.ListSpanOutlines`). */
export const OutlineQuery = Schema.Struct({
  ...PageParams,
  schema_name: Schema.optional(Schema.String),
  flagged: Schema.optional(Flag)
})

export const outlineDescription = "The run's spans without payloads, a page at a time (creation order by default), narrowed to one span type " +
  "(schema_name) or to the spans flagged for review or not (flagged); one span's payloads: GET /agent_spans/{id}"

/** `GET /overview`: the runs since a time (`Commands.GetOverview`). */
export const OverviewQuery = Schema.Struct({ since: Schema.optional(Timestamp.Timestamp) })

export const overviewDescription = "Every agent with its status and its runs since `since` (default: the last 24 hours) by status, " +
  "by risk level (none: no profile) and flagged, the totals, and the newest runs since then that are flagged or high or critical; " +
  "a deployment token sees its own agent only"
