/**
 * What came of OTLP exports, read back through the API as any client reads it: an agent's runs,
 * a run's timeline and its risk report.
 */
import { Schema } from "effect"
import { call, expectAnswer } from "./jsonClient.js"

const Counts = Schema.Struct({ total: Schema.Number, complete: Schema.Number, failed: Schema.Number })

export const RunRead = Schema.Struct({
  id: Schema.String,
  status: Schema.String,
  started_at: Schema.NullOr(Schema.String),
  finished_at: Schema.NullOr(Schema.String),
  agent_version_id: Schema.String,
  span_counts: Counts,
  conformance_counts: Schema.Struct({ conforms: Schema.Number, flagged: Schema.Number }),
  risk_score: Schema.NullOr(Schema.Number),
  risk_level: Schema.NullOr(Schema.String),
  reported_by: Schema.NullOr(Schema.Struct({ protocol: Schema.String, sdk: Schema.NullOr(Schema.String) }))
})
export type RunRead = typeof RunRead.Type

const Json = Schema.Record({ key: Schema.String, value: Schema.Unknown })

export const SpanRead = Schema.Struct({
  id: Schema.String,
  parent_span_id: Schema.NullOr(Schema.String),
  schema_name: Schema.String,
  status: Schema.String,
  started_at: Schema.String,
  finished_at: Schema.NullOr(Schema.String),
  payload: Json,
  result_payload: Schema.NullOr(Json),
  conformance: Schema.Struct({ payload: Schema.String, result: Schema.String }),
  risk_score: Schema.Number
})
export type SpanRead = typeof SpanRead.Type

const Page = <A, I>(item: Schema.Schema<A, I>) => Schema.Struct({ summaries: Schema.Array(item), pagination: Schema.Struct({ item_count: Schema.Number }) })
const Details = <A, I>(item: Schema.Schema<A, I>) => Schema.Struct({ details: item })

const Timeline = Schema.Struct({ instance: RunRead, spans: Schema.Array(Schema.Struct({ span: SpanRead, depth: Schema.Number })) })
export type Timeline = typeof Timeline.Type

const RiskRead = Schema.NullOr(Schema.Struct({
  total: Schema.Number,
  level: Schema.String,
  breakdown: Schema.Array(Schema.Struct({ schema_name: Schema.String, span_count: Schema.Number, points: Schema.Number }))
}))

export const reads = (base: string, token: string) => ({
  runs: async (agentId: string) =>
    expectAnswer(await call(base, token, "GET", `/api/v1/agent_instance?agent_id=${agentId}&page_size=100`), 200, Page(RunRead), "GET runs").summaries,
  timeline: async (runId: string) =>
    expectAnswer(await call(base, token, "GET", `/api/v1/agent_instance/${runId}/timeline`), 200, Details(Timeline), "GET timeline").details,
  risk: async (runId: string) => expectAnswer(await call(base, token, "GET", `/api/v1/agent_instance/${runId}/risk`), 200, Details(RiskRead), "GET risk").details,
  version: async (versionId: string) =>
    expectAnswer(await call(base, token, "GET", `/api/v1/agent_version/${versionId}`), 200, Details(Schema.Struct({ external_identifier: Schema.NullOr(Schema.String) })), "GET version").details
})

/** A timeline as `name (schema_name) at depth`, in timeline order: the tree at a glance. */
export const tree = (timeline: Timeline): ReadonlyArray<string> =>
  timeline.spans.map(({ depth, span }) => `${"  ".repeat(depth)}${String(span.payload["name"])} (${span.schema_name})`)

export const agentTree = [
  "invoke_agent weather-agent (gen_ai.invoke_agent)",
  "  chat gpt-4o (gen_ai.chat)",
  "  execute_tool get_weather (gen_ai.execute_tool)",
  "    GET /weather (otel.span)",
  "  chat gpt-4o (gen_ai.chat)"
]
