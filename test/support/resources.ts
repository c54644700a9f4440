/**
 * The resources of the API as the tests read them back: only the fields the tests look at, other
 * fields ignored (the full shapes, field by field, are the contract test's: support/contract/).
 * `reader` makes the reads a test needs with the account token.
 */
import { Schema } from "effect"
import { call, expectAnswer } from "./jsonClient.js"

const Id = Schema.String
export const Details = <A, I>(details: Schema.Schema<A, I>) => Schema.Struct({ status: Schema.Literal("success"), details })
export const List = <A, I>(item: Schema.Schema<A, I>) =>
  Schema.Struct({
    status: Schema.Literal("success"),
    summaries: Schema.Array(item),
    pagination: Schema.Struct({ item_count: Schema.Number })
  })

export const Created = Schema.Struct({ id: Id })
export const Environment = Schema.Struct({ id: Id, name: Schema.String })
export const CreatedToken = Schema.Struct({
  status: Schema.Literal("success"),
  details: Schema.Struct({ id: Id, token_scope: Schema.String, agent_deployment_id: Schema.NullOr(Id) }),
  token: Schema.String
})
export const ErrorBody = Schema.Struct({ status: Schema.Literal("error"), code: Schema.String, message: Schema.String })

const Counts = Schema.Struct({
  total: Schema.Number,
  pending: Schema.Number,
  active: Schema.Number,
  complete: Schema.Number,
  failed: Schema.Number,
  cancelled: Schema.Number,
  finished: Schema.Number
})

export const Instance = Schema.Struct({
  type: Schema.Literal("agent_instance"),
  id: Id,
  agent_id: Id,
  agent_version_id: Id,
  agent_schema_version_id: Id,
  environment_id: Id,
  agent_deployment_id: Schema.NullOr(Id),
  status: Schema.String,
  started_at: Schema.NullOr(Schema.String),
  finished_at: Schema.NullOr(Schema.String),
  span_counts: Counts,
  conformance_counts: Schema.Struct({ conforms: Schema.Number, flagged: Schema.Number }),
  risk_score: Schema.NullOr(Schema.Number),
  risk_level: Schema.NullOr(Schema.String)
})
export type Instance = typeof Instance.Type

const JsonObject = Schema.Record({ key: Schema.String, value: Schema.Unknown })

export const Span = Schema.Struct({
  type: Schema.Literal("agent_span"),
  id: Id,
  agent_instance_id: Id,
  parent_span_id: Schema.NullOr(Id),
  schema_name: Schema.String,
  schema_title: Schema.String,
  status: Schema.String,
  payload: JsonObject,
  result_payload: Schema.NullOr(JsonObject),
  started_at: Schema.String,
  finished_at: Schema.NullOr(Schema.String),
  conformance: Schema.Struct({
    payload: Schema.String,
    result: Schema.String,
    errors: Schema.Array(Schema.Struct({ target: Schema.String, instance_path: Schema.String, keyword: Schema.String, message: Schema.String }))
  }),
  risk_score: Schema.Number
})
export type Span = typeof Span.Type

export const Timeline = Schema.Struct({
  instance: Instance,
  spans: Schema.Array(Schema.Struct({ span: Span, depth: Schema.Number }))
})
export type Timeline = typeof Timeline.Type

export const RiskReport = Schema.Struct({
  total: Schema.Number,
  level: Schema.String,
  peak_level: Schema.String,
  thresholds: Schema.Struct({ medium: Schema.Number, high: Schema.Number, critical: Schema.Number }),
  breakdown: Schema.Array(Schema.Struct({ schema_name: Schema.String, span_count: Schema.Number, points: Schema.Number }))
})

export const AgentVersion = Schema.Struct({
  id: Id,
  agent_id: Id,
  external_identifier: Schema.NullOr(Schema.String),
  name: Schema.NullOr(Schema.String),
  agent_schema_version_id: Id
})
export const SchemaVersion = Schema.Struct({ id: Id, agent_id: Id, external_identifier: Schema.NullOr(Schema.String) })
export const Deployment = Schema.Struct({ id: Id, agent_id: Id, environment_id: Id, current_version_id: Schema.NullOr(Id) })

/** The reads a test makes with the account token. */
export const reader = (base: string, token: string) => {
  const get = <A, I>(path: string, schema: Schema.Schema<A, I>): Promise<A> =>
    call(base, token, "GET", path).then((answer) => expectAnswer(answer, 200, schema, `GET ${path}`))
  return {
    instances: (agentId: string) =>
      get(`/api/v1/agent_instance?agent_id=${agentId}&pagination[page_size]=100`, List(Instance)),
    instance: (id: string) => get(`/api/v1/agent_instance/${id}`, Details(Instance)).then((answer) => answer.details),
    timeline: (id: string) => get(`/api/v1/agent_instance/${id}/timeline`, Details(Timeline)).then((answer) => answer.details),
    risk: (id: string) => get(`/api/v1/agent_instance/${id}/risk`, Details(Schema.NullOr(RiskReport))).then((answer) => answer.details),
    versions: (agentId: string) => get(`/api/v1/agent_version?agent_id=${agentId}`, List(AgentVersion)),
    schemaVersions: (agentId: string) => get(`/api/v1/agent_schema_version?agent_id=${agentId}`, List(SchemaVersion)),
    deployment: (id: string) => get(`/api/v1/agent_deployment/${id}`, Details(Deployment)).then((answer) => answer.details)
  }
}

export type Reader = ReturnType<typeof reader>
