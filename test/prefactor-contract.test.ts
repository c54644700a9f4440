/**
 * Contract tests of the HTTP API against the Prefactor API's published shapes.
 *
 * The Schemas below are written from the reference notes (the Prefactor API's envelopes and the
 * resource field lists of its Python SDK models and its platform docs, as our reference notes
 * record them) and from docs/http.md for our
 * documented extensions. Nothing is imported from packages/http: a contract that drifted from the
 * reference must fail here, not agree with itself. Structs keep the default excess-property
 * handling, so fields beyond the reference are allowed; a missing or mistyped one is reported by
 * field.
 *
 * Every route of docs/http.md's route table is called once with a valid request (its answer must
 * decode with the matching Schema) and once with a request that must fail (its answer must be the
 * error envelope with the documented status and code). The last tests check that coverage against
 * the table itself and that every non-2xx answer of the file was an error envelope.
 */
import { supportSchemaJson } from "@agentledger/testkit/core"
import { Either, ParseResult, Schema } from "effect"
import { readFileSync } from "node:fs"
import { afterAll, assert, beforeAll, describe, expect, it } from "vitest"
import { type RunningServer, startServer } from "./support/server.js"
import { field, type Json } from "./support/json.js"

// =============================================================================================
// Reference Schemas

/** A PFID (wire §8): 32 lowercase Crockford base32 characters, the first 0–7. */
const Pfid = Schema.String.pipe(Schema.pattern(/^[0-7][0-9abcdefghjkmnpqrstvwxyz]{31}$/)).annotations({ identifier: "PFID" })

/** An ISO-8601 date-time string. */
const Timestamp = Schema.String.pipe(
  Schema.pattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/),
  Schema.filter((text) => !Number.isNaN(Date.parse(text)) || "not a real date-time")
).annotations({ identifier: "ISO-8601 timestamp" })

const Count = Schema.Int.pipe(Schema.nonNegative())
const JsonObject = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/** The status of instances and spans (wire §7). */
const RunStatus = Schema.Literal("pending", "active", "complete", "failed", "cancelled", "terminated")
const RiskLevel = Schema.Literal("low", "medium", "high", "critical")

// --- envelopes (wire §7, platform §2)

const Details = <A, I>(resource: Schema.Schema<A, I>) => Schema.Struct({ status: Schema.Literal("success"), details: resource })

const Pagination = Schema.Struct({
  item_count: Count,
  item_start: Count,
  item_end: Count,
  page_index: Count,
  page_count: Count,
  page_offset: Count,
  page_size: Schema.Int.pipe(Schema.between(1, 100)),
  next_page_offset: Schema.NullOr(Count),
  previous_page_offset: Schema.NullOr(Count)
}).annotations({ identifier: "Pagination" })

// The documented fields (a truncated list), plus `sequence`: versions and schema versions are
// ordered by their per-agent number by default (docs/http.md), which ids, random within a
// millisecond, cannot promise.
const sortFields = ["id", "last_seen", "status", "title", "timestamp", "started_at", "finished_at", "email", "name", "external_identifier", "sequence"]

/** platform §2: the documented sort fields across list types, and a direction. */
const Sorting = Schema.Struct({
  field: Schema.String.pipe(
    Schema.filter((field) => sortFields.includes(field) || `"${field}" is not among the documented sort fields (${sortFields.join(", ")})`)
  ),
  direction: Schema.Literal("asc", "desc")
}).annotations({ identifier: "Sorting" })

/** A page: `summaries` as many as `item_start..item_end` (one-based, inclusive) and at most a page. */
const List = <A, I>(resource: Schema.Schema<A, I>) =>
  Schema.Struct({
    status: Schema.Literal("success"),
    summaries: Schema.Array(resource),
    pagination: Pagination,
    sorting: Schema.NullOr(Sorting)
  }).pipe(
    Schema.filter(({ pagination, summaries }) =>
      (summaries.length <= pagination.page_size &&
        (summaries.length === 0 || summaries.length === pagination.item_end - pagination.item_start + 1)) ||
      `summaries (${summaries.length}) disagree with pagination item_start ${pagination.item_start}, item_end ${pagination.item_end}, page_size ${pagination.page_size}`
    )
  )

/** The codes of docs/http.md's error table. */
const ErrorCode = Schema.Literal(
  "validation_errors",
  "bad_request",
  "unauthorized",
  "not_permitted",
  "not_found",
  "invalid_action",
  "conflict",
  "payload_too_large",
  "internal_error"
)
type ErrorCode = typeof ErrorCode.Type

const ErrorEnvelope = Schema.Struct({
  status: Schema.Literal("error"),
  code: ErrorCode,
  message: Schema.String,
  errors: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Array(Schema.String) }))
}).annotations({ identifier: "ErrorEnvelope" })

/** docs/http.md: `not_found` errors also carry `entity` and `id`. */
const NotFoundEnvelope = Schema.Struct({ ...ErrorEnvelope.fields, code: Schema.Literal("not_found"), entity: Schema.String, id: Schema.String })

/** docs/http.md: `invalid_action` carries `entity`, `id`, `action` and `current_status`. */
const InvalidActionEnvelope = Schema.Struct({
  ...ErrorEnvelope.fields,
  code: Schema.Literal("invalid_action"),
  entity: Schema.String,
  id: Schema.String,
  action: Schema.String,
  current_status: Schema.String
})

// --- resources

/**
 * platform §10: `finished` = complete + failed + cancelled; `total` counts every status. A
 * `terminated` count is not in the reference's list; when present it is counted the same way.
 */
const SpanCounts = Schema.Struct({
  total: Count,
  pending: Count,
  active: Count,
  complete: Count,
  failed: Count,
  cancelled: Count,
  finished: Count,
  terminated: Schema.optional(Count)
}).pipe(
  Schema.filter((counts) => {
    const terminated = counts.terminated ?? 0
    const finished = counts.complete + counts.failed + counts.cancelled + terminated
    if (counts.finished !== finished) return `finished is ${counts.finished}, the terminal counts sum to ${finished}`
    const total = counts.pending + counts.active + finished
    return counts.total === total || `total is ${counts.total}, the counts sum to ${total}`
  })
).annotations({ identifier: "SpanCounts" })

/** wire §7 and platform §10, plus the agentledger extensions of docs/http.md. */
const AgentInstance = Schema.Struct({
  type: Schema.Literal("agent_instance"),
  id: Pfid,
  account_id: Pfid,
  agent_id: Pfid,
  agent_version_id: Pfid,
  environment_id: Pfid,
  agent_deployment_id: Pfid,
  status: RunStatus,
  inserted_at: Timestamp,
  updated_at: Timestamp,
  started_at: Schema.NullOr(Timestamp),
  finished_at: Schema.NullOr(Timestamp),
  termination_reason: Schema.NullOr(Schema.String),
  span_counts: SpanCounts,
  purpose: Schema.Literal("live", "smoke_test", "eval"),
  quality_payloads: JsonObject,
  quality_summaries: Schema.Record({ key: Schema.String, value: Schema.String }),
  // extensions
  risk_score: Schema.NullOr(Schema.Number),
  risk_level: Schema.NullOr(RiskLevel),
  peak_risk_level: Schema.NullOr(RiskLevel),
  risk_profile_revision_id: Schema.NullOr(Pfid),
  conformance_counts: Schema.Struct({ conforms: Count, flagged: Count })
}).annotations({ identifier: "AgentInstance" })

/** wire §7 and platform §11, plus conformance and risk (docs/http.md). */
const AgentSpan = Schema.Struct({
  type: Schema.Literal("agent_span"),
  id: Pfid,
  account_id: Pfid,
  agent_id: Pfid,
  agent_instance_id: Pfid,
  parent_span_id: Schema.NullOr(Pfid),
  schema_name: Schema.String,
  schema_title: Schema.String,
  status: RunStatus,
  payload: JsonObject,
  result_payload: Schema.NullOr(JsonObject),
  summary: Schema.NullOr(Schema.String),
  started_at: Timestamp,
  finished_at: Schema.NullOr(Timestamp),
  inserted_at: Timestamp,
  updated_at: Timestamp,
  // extensions
  conformance: Schema.Struct({ payload: Schema.String, result: Schema.String, errors: Schema.Array(Schema.Unknown) }),
  risk_points: Count,
  risk_score: Schema.Number
}).annotations({ identifier: "AgentSpan" })

/** platform §5. `owner_person_id`, `team_id` and the counts are conditional or SDK-only there. */
const Agent = Schema.Struct({
  type: Schema.Literal("agent"),
  id: Pfid,
  account_id: Pfid,
  name: Schema.String,
  description: Schema.NullOr(Schema.String),
  external_identifier: Schema.NullOr(Schema.String),
  status: Schema.Literal("pending", "active", "dormant", "retired"),
  risk_profile_id: Schema.NullOr(Pfid),
  available_actions: Schema.Struct({ update: Schema.Boolean, retire: Schema.Boolean, reinstate: Schema.Boolean, delete: Schema.Boolean }),
  owner_person_id: Schema.optional(Schema.NullOr(Pfid)),
  team_id: Schema.optional(Schema.NullOr(Pfid)),
  instance_counts: Schema.optional(SpanCounts),
  current_schema_version_id: Schema.optional(Schema.NullOr(Pfid)),
  inserted_at: Timestamp,
  updated_at: Timestamp
}).annotations({ identifier: "Agent" })

/** platform §6. */
const AgentVersion = Schema.Struct({
  type: Schema.Literal("agent_version"),
  id: Pfid,
  account_id: Pfid,
  agent_id: Pfid,
  external_identifier: Schema.NullOr(Schema.String),
  agent_schema_version_id: Pfid,
  runtime_environment: Schema.Struct({
    prefactor_sdk: Schema.NullOr(Schema.Array(Schema.String)),
    agent_sdk: Schema.NullOr(Schema.Array(Schema.String)),
    runtime: Schema.NullOr(Schema.String),
    os: Schema.NullOr(Schema.String)
  }),
  current_agent_deployment_refs: Schema.Array(Schema.Unknown),
  external_identifier_repeats: Count,
  inserted_at: Timestamp,
  updated_at: Timestamp
}).annotations({ identifier: "AgentVersion" })

/** platform §7.1: `span_type_schemas` is a map from span type name to its details. */
const AgentSchemaVersion = Schema.Struct({
  type: Schema.Literal("agent_schema_version"),
  id: Pfid,
  account_id: Pfid,
  agent_id: Pfid,
  external_identifier: Schema.NullOr(Schema.String),
  external_identifier_repeats: Count,
  current_agent_deployment_refs: Schema.Array(Schema.Unknown),
  span_type_schemas: Schema.Record({ key: Schema.String, value: JsonObject }),
  inserted_at: Timestamp,
  updated_at: Timestamp
}).annotations({ identifier: "AgentSchemaVersion" })

/** platform §8. */
const AgentDeployment = Schema.Struct({
  type: Schema.Literal("agent_deployment"),
  id: Pfid,
  account_id: Pfid,
  agent_id: Pfid,
  environment_id: Pfid,
  current_version_id: Schema.NullOr(Pfid),
  inserted_at: Timestamp,
  updated_at: Timestamp
}).annotations({ identifier: "AgentDeployment" })

const HistoryEntry = Schema.Struct({
  from_version_id: Schema.NullOr(Pfid),
  to_version_id: Schema.NullOr(Pfid),
  cause: Schema.String,
  changed_at: Timestamp
}).annotations({ identifier: "HistoryEntry" })

/** docs/http.md: `GET agent_deployment/{id}` carries `history`. */
const AgentDeploymentWithHistory = Schema.Struct({ ...AgentDeployment.fields, history: Schema.Array(HistoryEntry) }).annotations({
  identifier: "AgentDeploymentWithHistory"
})

/** platform §4 (purpose spelled in lowercase). */
const Environment = Schema.Struct({
  type: Schema.Literal("environment"),
  id: Pfid,
  account_id: Pfid,
  name: Schema.String,
  purpose: Schema.Literal("development", "staging", "testing", "production"),
  description: Schema.NullOr(Schema.String),
  inserted_at: Timestamp,
  updated_at: Timestamp
}).annotations({ identifier: "Environment" })

/** platform §9. */
const ApiToken = Schema.Struct({
  type: Schema.Literal("api_token"),
  id: Pfid,
  account_id: Pfid,
  token_scope: Schema.Literal("account", "agent_deployment", "environment"),
  agent_deployment_id: Schema.NullOr(Pfid),
  agent_id: Schema.NullOr(Pfid),
  environment_id: Schema.NullOr(Pfid),
  expires_at: Schema.NullOr(Timestamp),
  last_used_at: Schema.NullOr(Timestamp),
  status: Schema.Literal("active", "suspended", "revoked"),
  inserted_at: Timestamp,
  updated_at: Timestamp
}).annotations({ identifier: "ApiToken" })

/** platform §9 and docs/http.md: the create answer is `{details, token}`, the secret once. */
const CreatedApiToken = Schema.Struct({ status: Schema.Literal("success"), details: ApiToken, token: Schema.String }).annotations({
  identifier: "CreatedApiToken"
})

/** platform §12.2: category flags, the six actions, weights 0–10, multipliers (1 neutral), ascending thresholds. */
const categories = [
  "personal_identifiers",
  "contact_information",
  "financial_information",
  "health_and_medical",
  "criminal_justice",
  "authentication_and_secrets",
  "organisational_confidential",
  "minors_data",
  "location_and_tracking",
  "behavioural_and_inferred",
  "gdpr_racial_or_ethnic_origin",
  "gdpr_political_opinions",
  "gdpr_religious_or_philosophical_beliefs",
  "gdpr_trade_union_membership",
  "gdpr_genetic_data",
  "gdpr_biometric_for_identification",
  "gdpr_sex_life_or_sexual_orientation"
]
const actions = ["create_data", "read_data", "update_data", "destroy_data", "financial_transactions", "external_communication"]

const keysAmong = (known: ReadonlyArray<string>) => (record: { readonly [key: string]: unknown }) =>
  Object.keys(record).every((key) => known.includes(key)) || `keys outside ${known.join(", ")}`

const RiskRules = Schema.Struct({
  category_weights: Schema.Record({
    key: Schema.String,
    value: Schema.Struct({ weight: Schema.Int.pipe(Schema.between(0, 10)), included: Schema.Boolean })
  }).pipe(Schema.filter(keysAmong(categories))),
  action_multipliers: Schema.Record({
    key: Schema.String,
    value: Schema.Struct({ multiplier: Schema.Number.pipe(Schema.nonNegative()), included: Schema.Boolean })
  }).pipe(Schema.filter(keysAmong(actions))),
  thresholds: Schema.Struct({ medium: Schema.Number, high: Schema.Number, critical: Schema.Number }).pipe(
    Schema.filter(({ critical, high, medium }) => (medium > 0 && high > medium && critical > high) || "thresholds must ascend: 0 < medium < high < critical")
  )
}).annotations({ identifier: "RiskRules" })

const RiskProfileRevision = Schema.Struct({
  type: Schema.optional(Schema.String),
  id: Pfid,
  risk_profile_id: Pfid,
  revision: Schema.Int.pipe(Schema.positive()),
  rules: RiskRules,
  inserted_at: Timestamp
}).annotations({ identifier: "RiskProfileRevision" })

const RiskProfile = Schema.Struct({
  type: Schema.Literal("risk_profile"),
  id: Pfid,
  account_id: Pfid,
  name: Schema.String,
  description: Schema.NullOr(Schema.String),
  inserted_at: Timestamp,
  updated_at: Timestamp
}).annotations({ identifier: "RiskProfile" })

/** docs/http.md: a risk profile's details carry `current_revision`. */
const RiskProfileWithRevision = Schema.Struct({ ...RiskProfile.fields, current_revision: RiskProfileRevision }).annotations({
  identifier: "RiskProfileWithRevision"
})

/** platform §3. */
const Account = Schema.Struct({
  type: Schema.Literal("account"),
  id: Pfid,
  name: Schema.String,
  inserted_at: Timestamp,
  updated_at: Timestamp
}).annotations({ identifier: "Account" })

/** docs/http.md: the operator API answers `{details: Account, api_token, token}`. */
const CreatedAccount = Schema.Struct({ status: Schema.Literal("success"), details: Account, api_token: ApiToken, token: Schema.String })

/** docs/http.md: `GET ping` answers the token's principal. */
const Principal = Schema.Struct({
  type: Schema.String,
  account_id: Pfid,
  token_scope: Schema.Literal("account", "agent_deployment"),
  agent_id: Schema.NullOr(Pfid),
  environment_id: Schema.NullOr(Pfid),
  agent_deployment_id: Schema.NullOr(Pfid)
}).annotations({ identifier: "Principal" })

/** docs/http.md: the timeline of a run, its spans in order with their depth. */
const Timeline = Schema.Struct({
  instance: AgentInstance,
  spans: Schema.Array(Schema.Struct({ span: AgentSpan, depth: Count }))
}).annotations({ identifier: "Timeline" })

/** platform §12.6: thresholds, and a breakdown per contributing span type that reconciles to the total. */
const RiskReport = Schema.Struct({
  total: Schema.Number,
  level: RiskLevel,
  peak_level: RiskLevel,
  thresholds: Schema.Struct({ medium: Schema.Number, high: Schema.Number, critical: Schema.Number }),
  breakdown: Schema.Array(Schema.Struct({
    schema_name: Schema.String,
    span_count: Count,
    share: Schema.Number.pipe(Schema.between(0, 1)),
    points: Schema.Number
  }))
}).pipe(
  Schema.filter((report) =>
    report.breakdown.reduce((sum, entry) => sum + entry.points, 0) === report.total ||
    "the breakdown's points do not sum to the total"
  )
)

/** platform §12.5 and docs/http.md: a version's theoretical risk and its agreed-risk violations. */
const VersionRisk = Schema.Struct({
  theoretical: Schema.Struct({
    total: Schema.Number,
    level: RiskLevel,
    span_types: Schema.Array(Schema.Struct({ schema_name: Schema.String, points: Schema.Number }))
  }),
  violations: Schema.Array(Schema.Struct({ schema_name: Schema.String, kind: Schema.String, key: Schema.String }))
}).annotations({ identifier: "VersionRisk" })

/** platform §2: bulk outputs keyed by idempotency key, each a success or an error. */
const BulkSuccess = Schema.Struct({ status: Schema.Literal("success"), _type: Schema.String, details: Schema.Unknown })
const Bulk = Schema.Struct({
  status: Schema.Literal("success"),
  outputs: Schema.Record({ key: Schema.String, value: Schema.Union(BulkSuccess, ErrorEnvelope) })
})

// =============================================================================================
// Calling the server

let server: RunningServer
beforeAll(async () => {
  server = await startServer()
})
afterAll(() => server.close())

interface Request {
  readonly id?: string
  readonly query?: string
  readonly body?: Json
  /** Sent as is, instead of `body`. */
  readonly rawBody?: string
  /** The bearer token (default: the account token); `null` sends no Authorization header. */
  readonly token?: string | null
}

interface Answer {
  /** The route as docs/http.md names it, e.g. `GET agent/{id}`. */
  readonly route: string
  readonly status: number
  readonly body: unknown
  readonly raw: string
}

/** Every answer of the file, to check that each non-2xx one is an error envelope. */
const answers: Array<Answer> = []
/** The routes called with a valid request, and with a request that must fail. */
const succeeded = new Set<string>()
const refused = new Set<string>()

const call = async (route: string, request: Request = {}): Promise<Answer> => {
  const [method, template] = route.split(" ")
  if (method === undefined || template === undefined) throw new Error(`not a route: ${route}`)
  if (template.includes("{id}") && request.id === undefined) throw new Error(`${route} needs an id`)
  const path = template.replace("{id}", request.id ?? "")
  const headers: Record<string, string> = { "content-type": "application/json" }
  const token = request.token === undefined ? server.secret : request.token
  if (token !== null) headers["authorization"] = `Bearer ${token}`
  const body = request.rawBody ?? (request.body === undefined ? undefined : JSON.stringify(request.body))
  const response = await fetch(`${server.url}/api/v1/${path}${request.query === undefined ? "" : `?${request.query}`}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body })
  })
  const raw = await response.text()
  let parsed: unknown = raw
  try {
    parsed = JSON.parse(raw)
  } catch {
    // not JSON: kept as text, which no envelope accepts
  }
  const answer = { route, status: response.status, body: parsed, raw }
  answers.push(answer)
  return answer
}

const show = (value: unknown): string => {
  const text = JSON.stringify(value)
  return text === undefined ? String(value) : text.length > 2500 ? `${text.slice(0, 2500)}…` : text
}

/** Decodes with a reference Schema; a failure names every field that is wrong. */
const decode = <A, I>(schema: Schema.Schema<A, I>, value: unknown, label: string): A => {
  const result = Schema.decodeUnknownEither(schema, { errors: "all" })(value)
  if (Either.isLeft(result)) {
    return assert.fail(
      `${label}: the answer does not match the reference\n${ParseResult.TreeFormatter.formatErrorSync(result.left)}\nanswer: ${show(value)}`
    )
  }
  return result.right
}

/** A 2xx answer whose body decodes with `schema`. */
const ok = <A, I>(answer: Answer, schema: Schema.Schema<A, I>): A => {
  succeeded.add(answer.route)
  expect(answer.status, `${answer.route} answered ${answer.status}: ${answer.raw.slice(0, 1500)}`).toBeGreaterThanOrEqual(200)
  expect(answer.status, `${answer.route} answered ${answer.status}: ${answer.raw.slice(0, 1500)}`).toBeLessThan(300)
  return decode(schema, answer.body, answer.route)
}

/** An error answer with this status and code, in the error envelope. */
const refusedWith = (answer: Answer, status: number, code: ErrorCode) => {
  refused.add(answer.route)
  expect({ status: answer.status, code: field(answer.body, "code") }, `${answer.route}: ${answer.raw.slice(0, 1500)}`).toEqual({ status, code })
  const envelope = decode(ErrorEnvelope, answer.body, `${answer.route} (${status})`)
  if (code === "validation_errors") {
    expect(Object.keys(envelope.errors ?? {}).length, `${answer.route}: validation_errors carries field errors in \`errors\``).toBeGreaterThan(0)
  }
  return envelope
}

/** A string somewhere in an answer, read leniently so a later step can go on after a shape mismatch. */
const text = (answer: Answer, ...path: ReadonlyArray<string | number>): string => {
  const found = field(answer.body, ...path)
  if (typeof found !== "string") throw new Error(`${answer.route} (${answer.status}): no string at ${path.join(".")} in ${answer.raw.slice(0, 800)}`)
  return found
}

/** What earlier steps created, by name. */
const created = new Map<string, string>()
const keep = (name: string, value: string): string => {
  created.set(name, value)
  return value
}
const the = (name: string): string => {
  const value = created.get(name)
  if (value === undefined) throw new Error(`${name} is missing: the step that creates it failed`)
  return value
}

const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`

/** A well-formed PFID that names nothing. */
const unknownId = "013xrzp12g3nqk8n0000000000000000"

// --- request bodies

/** The docs' support bot schema, as a client sends it: `crm:lookup` reads contact data. */
const supportSchema: Json = supportSchemaJson

/** The docs' example profile: identifiers weigh 8, contact data 4, read data ×1; financial data is not agreed. */
const profileRules = (thresholds: { readonly medium: number; readonly high: number; readonly critical: number }) => ({
  category_weights: {
    personal_identifiers: { weight: 8, included: true },
    contact_information: { weight: 4, included: true },
    financial_information: { weight: 5, included: false }
  },
  action_multipliers: { read_data: { multiplier: 1, included: true }, external_communication: { multiplier: 1.5, included: true } },
  thresholds
})

const sentThresholds = { medium: 10, high: 30, critical: 60 }

// =============================================================================================
// Every documented route, with a valid request

describe("valid requests answer in the reference's shapes", () => {
  // --- caller

  it("GET ping: the account token's principal", async () => {
    const principal = ok(await call("GET ping"), Details(Principal))
    expect(principal.details).toMatchObject({ token_scope: "account", agent_id: null, environment_id: null, agent_deployment_id: null })
  })

  // --- environments

  it("GET environment: the default environments, as a page", async () => {
    const answer = await call("GET environment", { query: "pagination[page_size]=100" })
    const summaries = field(answer.body, "summaries")
    const production = Array.isArray(summaries) ? summaries.find((entry) => field(entry, "name") === "production") : undefined
    const id = field(production, "id")
    if (typeof id === "string") keep("environment", id)
    const page = ok(answer, List(Environment))
    expect(page.summaries.map((environment) => environment.name)).toEqual(expect.arrayContaining(["development", "staging", "production"]))
  })

  it("POST environment", async () => {
    const answer = await call("POST environment", { body: { details: { name: unique("qa"), purpose: "testing", description: "QA" } } })
    keep("spare environment", text(answer, "details", "id"))
    expect(ok(answer, Details(Environment)).details).toMatchObject({ purpose: "testing", description: "QA" })
  })

  it("GET environment/{id}", async () => {
    const id = the("spare environment")
    expect(ok(await call("GET environment/{id}", { id }), Details(Environment)).details.id).toBe(id)
  })

  it("PUT environment/{id}", async () => {
    const id = the("spare environment")
    const renamed = unique("qa-renamed")
    expect(ok(await call("PUT environment/{id}", { id, body: { details: { name: renamed, description: null } } }), Details(Environment)).details)
      .toMatchObject({ id, name: renamed, description: null })
  })

  it("DELETE environment/{id}", async () => {
    const id = the("spare environment")
    expect(ok(await call("DELETE environment/{id}", { id }), Details(Environment)).details.id).toBe(id)
    refusedWith(await call("GET environment/{id}", { id }), 404, "not_found")
  })

  // --- risk profiles

  it("POST risk_profile: its rules read back as sent", async () => {
    const answer = await call("POST risk_profile", {
      body: { details: { name: unique("support profile"), description: "the docs' example", ...profileRules({ medium: 20, high: 40, critical: 80 }) } }
    })
    keep("profile", text(answer, "details", "id"))
    keep("first revision", text(answer, "details", "current_revision", "id"))
    const profile = ok(answer, Details(RiskProfileWithRevision))
    expect.soft(profile.details.current_revision.rules.thresholds, "thresholds read back in the units they were sent in")
      .toEqual({ medium: 20, high: 40, critical: 80 })
    expect.soft(profile.details.current_revision.rules.action_multipliers["external_communication"], "a multiplier reads back as sent")
      .toEqual({ multiplier: 1.5, included: true })
  })

  it("GET risk_profile", async () => {
    const page = ok(await call("GET risk_profile", { query: "pagination[page_size]=100" }), List(RiskProfile))
    expect(page.summaries.map((profile) => profile.id)).toContain(the("profile"))
  })

  it("GET risk_profile/{id}", async () => {
    const id = the("profile")
    expect(ok(await call("GET risk_profile/{id}", { id }), Details(RiskProfileWithRevision)).details.id).toBe(id)
  })

  it("PUT risk_profile/{id}: a new revision", async () => {
    const id = the("profile")
    const answer = await call("PUT risk_profile/{id}", { id, body: { details: profileRules(sentThresholds) } })
    keep("second revision", text(answer, "details", "current_revision", "id"))
    const updated = ok(answer, Details(RiskProfileWithRevision))
    expect(updated.details.current_revision.id).not.toBe(the("first revision"))
    expect(updated.details.current_revision.rules.thresholds, "thresholds read back in the units they were sent in").toEqual(sentThresholds)
  })

  it("GET risk_profile/{id}/revisions: both revisions", async () => {
    const revisions = ok(await call("GET risk_profile/{id}/revisions", { id: the("profile") }), Details(Schema.Array(RiskProfileRevision)))
    expect(revisions.details.map((revision) => revision.id).sort()).toEqual([the("first revision"), the("second revision")].sort())
  })

  it("DELETE risk_profile/{id}", async () => {
    const answer = await call("POST risk_profile", { body: { details: { name: unique("disposable profile"), ...profileRules(sentThresholds) } } })
    const id = text(answer, "details", "id")
    expect(ok(await call("DELETE risk_profile/{id}", { id }), Details(RiskProfileWithRevision)).details.id).toBe(id)
  })

  // --- agents

  it("POST agent with the risk profile", async () => {
    const externalIdentifier = keep("agent identifier", unique("support-bot"))
    const answer = await call("POST agent", {
      body: { details: { name: "Support bot", description: "answers customers", external_identifier: externalIdentifier, risk_profile_id: the("profile") } }
    })
    keep("agent", text(answer, "details", "id"))
    expect(ok(answer, Details(Agent)).details).toMatchObject({ external_identifier: externalIdentifier, risk_profile_id: the("profile"), status: "pending" })
  })

  it("GET agent, filtered by risk profile", async () => {
    const page = ok(await call("GET agent", { query: `risk_profile_id=${the("profile")}` }), List(Agent))
    expect(page.summaries.map((agent) => agent.id)).toEqual([the("agent")])
  })

  it("GET agent/show by external identifier", async () => {
    const agent = ok(await call("GET agent/show", { query: `external_identifier=${the("agent identifier")}` }), Details(Agent))
    expect(agent.details.id).toBe(the("agent"))
  })

  it("GET agent/{id}", async () => {
    expect(ok(await call("GET agent/{id}", { id: the("agent") }), Details(Agent)).details.id).toBe(the("agent"))
  })

  it("PUT agent/{id}", async () => {
    const id = the("agent")
    expect(ok(await call("PUT agent/{id}", { id, body: { details: { description: "answers customers by mail" } } }), Details(Agent)).details)
      .toMatchObject({ id, description: "answers customers by mail", risk_profile_id: the("profile") })
  })

  // --- deployments and tokens

  it("POST agent_deployment", async () => {
    const answer = await call("POST agent_deployment", { body: { details: { agent_id: the("agent"), environment_id: the("environment") } } })
    keep("deployment", text(answer, "details", "id"))
    expect(ok(answer, Details(AgentDeployment)).details)
      .toMatchObject({ agent_id: the("agent"), environment_id: the("environment"), current_version_id: null })
  })

  it("GET agent_deployment, filtered by agent", async () => {
    const page = ok(await call("GET agent_deployment", { query: `agent_id=${the("agent")}` }), List(AgentDeployment))
    expect(page.summaries.map((deployment) => deployment.id)).toEqual([the("deployment")])
  })

  it("GET agent_deployment/{id}: with its (empty) history", async () => {
    const deployment = ok(await call("GET agent_deployment/{id}", { id: the("deployment") }), Details(AgentDeploymentWithHistory))
    expect(deployment.details.history).toEqual([])
  })

  it("POST api_token: an account token and a deployment token, each with its secret once", async () => {
    const accountAnswer = await call("POST api_token", { body: { details: { token_scope: "account" } } })
    keep("account token", text(accountAnswer, "details", "id"))
    keep("account secret", text(accountAnswer, "token"))
    const deploymentAnswer = await call("POST api_token", {
      body: { details: { token_scope: "agent_deployment", agent_deployment_id: the("deployment") } }
    })
    keep("deployment token", text(deploymentAnswer, "details", "id"))
    keep("deployment secret", text(deploymentAnswer, "token"))

    const account = ok(accountAnswer, CreatedApiToken)
    expect(account.details).toMatchObject({ token_scope: "account", status: "active", agent_deployment_id: null })
    expect(account.token).toMatch(/^pf_/)
    const deployment = ok(deploymentAnswer, CreatedApiToken)
    expect(deployment.details).toMatchObject({
      token_scope: "agent_deployment",
      agent_deployment_id: the("deployment"),
      agent_id: the("agent"),
      environment_id: the("environment")
    })
  })

  it("GET api_token: never the secrets again", async () => {
    const answer = await call("GET api_token", { query: "pagination[page_size]=100" })
    expect(answer.raw).not.toContain(the("account secret"))
    expect(answer.raw).not.toContain(the("deployment secret"))
    expect(ok(answer, List(ApiToken)).summaries.map((token) => token.id)).toEqual(expect.arrayContaining([the("account token"), the("deployment token")]))
  })

  it("GET api_token/{id}: never the secret again", async () => {
    const answer = await call("GET api_token/{id}", { id: the("deployment token") })
    expect(answer.raw).not.toContain(the("deployment secret"))
    expect(ok(answer, Details(ApiToken)).details.id).toBe(the("deployment token"))
  })

  it("GET ping with the deployment token: its agent, environment and deployment", async () => {
    const principal = ok(await call("GET ping", { token: the("deployment secret") }), Details(Principal))
    expect(principal.details).toMatchObject({
      token_scope: "agent_deployment",
      agent_id: the("agent"),
      environment_id: the("environment"),
      agent_deployment_id: the("deployment")
    })
  })

  // --- a run

  it("POST agent_instance/register with an activity schema that declares data risk", async () => {
    const answer = await call("POST agent_instance/register", {
      body: {
        agent_id: the("agent"),
        environment_id: the("environment"),
        agent_version: { external_identifier: "1.0.0", name: "Support bot", description: "first release" },
        agent_schema_version: supportSchema
      }
    })
    keep("run", text(answer, "details", "id"))
    keep("version 1", text(answer, "details", "agent_version_id"))
    const run = ok(answer, Details(AgentInstance))
    expect(run.details).toMatchObject({
      status: "pending",
      agent_id: the("agent"),
      agent_deployment_id: the("deployment"),
      purpose: "live",
      started_at: null
    })
    expect(run.details.risk_profile_revision_id, "a run of an agent with a profile records the revision it is scored with").toBe(the("second revision"))
  })

  it("POST agent_instance/{id}/start", async () => {
    const run = ok(await call("POST agent_instance/{id}/start", { id: the("run"), body: {} }), Details(AgentInstance))
    expect(run.details).toMatchObject({ id: the("run"), status: "active" })
    expect(run.details.started_at).not.toBeNull()
  })

  it("POST agent_spans: a terminal span with its result", async () => {
    const answer = await call("POST agent_spans", {
      body: {
        details: {
          agent_instance_id: the("run"),
          schema_name: "crm:lookup",
          status: "complete",
          payload: { customer_id: "c-42" },
          result_payload: { email: "ada@example.com" },
          parent_span_id: null,
          started_at: "2026-01-01T10:00:00.000Z",
          finished_at: "2026-01-01T10:00:01.000Z"
        }
      }
    })
    keep("lookup span", text(answer, "details", "id"))
    const span = ok(answer, Details(AgentSpan))
    expect(span.details).toMatchObject({ agent_instance_id: the("run"), schema_name: "crm:lookup", schema_title: "crm:lookup", status: "complete" })
    expect(span.details.risk_points, "a span of a type that reads personal data under a profile scores").toBeGreaterThan(0)
  })

  it("POST agent_spans/batch: several spans in one unit of work", async () => {
    const answer = await call("POST agent_spans/batch", {
      body: {
        details: [
          { agent_instance_id: the("run"), schema_name: "agent", status: "active", payload: { goal: "refund" } },
          {
            agent_instance_id: the("run"),
            schema_name: "payments:charge",
            status: "complete",
            payload: { amount: 12.5 },
            result_payload: {},
            parent_span_id: the("lookup span")
          }
        ]
      }
    })
    keep("agent span", text(answer, "details", 0, "id"))
    keep("charge span", text(answer, "details", 1, "id"))
    const spans = ok(answer, Details(Schema.Array(AgentSpan)))
    expect(spans.details.map((span) => [span.schema_name, span.status])).toEqual([["agent", "active"], ["payments:charge", "complete"]])
    expect(spans.details[1]?.parent_span_id).toBe(the("lookup span"))
  })

  it("POST agent_spans/{id}/finish", async () => {
    const body = { status: "complete", result_payload: { answer: "refunded" }, timestamp: new Date().toISOString() }
    const span = ok(await call("POST agent_spans/{id}/finish", { id: the("agent span"), body }), Details(AgentSpan))
    expect(span.details).toMatchObject({ id: the("agent span"), status: "complete", result_payload: { answer: "refunded" } })
    expect(span.details.finished_at).not.toBeNull()
  })

  it("GET agent_spans, filtered by run", async () => {
    const page = ok(await call("GET agent_spans", { query: `agent_instance_id=${the("run")}&include_summaries=true` }), List(AgentSpan))
    expect(page.pagination.item_count).toBe(3)
    expect(page.summaries.map((span) => span.agent_instance_id)).toEqual([the("run"), the("run"), the("run")])
  })

  it("GET agent_spans/{id}", async () => {
    expect(ok(await call("GET agent_spans/{id}", { id: the("lookup span") }), Details(AgentSpan)).details.id).toBe(the("lookup span"))
  })

  it("POST agent_instance/{id}/finish with an empty body completes the run", async () => {
    const run = ok(await call("POST agent_instance/{id}/finish", { id: the("run"), body: {} }), Details(AgentInstance))
    expect(run.details).toMatchObject({ status: "complete", span_counts: { total: 3, complete: 3, finished: 3 } })
    expect(run.details.finished_at).not.toBeNull()
  })

  it("GET agent_instance, filtered by agent", async () => {
    const page = ok(await call("GET agent_instance", { query: `agent_id=${the("agent")}` }), List(AgentInstance))
    expect(page.summaries.map((run) => run.id)).toContain(the("run"))
  })

  it("GET agent_instance/{id}: the run carries its risk", async () => {
    const run = ok(await call("GET agent_instance/{id}", { id: the("run") }), Details(AgentInstance))
    expect(run.details.risk_score).toBeGreaterThan(0)
    expect(run.details.risk_level).toBe("medium")
  })

  it("GET agent_instance/{id}/timeline", async () => {
    const timeline = ok(await call("GET agent_instance/{id}/timeline", { id: the("run") }), Details(Timeline))
    expect(timeline.details.instance.id).toBe(the("run"))
    expect(timeline.details.spans.map((entry) => entry.span.id).sort()).toEqual([the("lookup span"), the("agent span"), the("charge span")].sort())
    const depth = (id: string) => timeline.details.spans.find((entry) => entry.span.id === id)?.depth
    expect(depth(the("charge span")), "a child is one level below its parent").toBe((depth(the("lookup span")) ?? -2) + 1)
  })

  it("GET agent_instance/{id}/spans: the run's spans paged in creation order, without payloads", async () => {
    const Outline = Schema.Struct({ type: Schema.Literal("agent_span_outline"), id: Schema.String, sequence: Schema.Number })
    const page = ok(await call("GET agent_instance/{id}/spans", { id: the("run"), query: "pagination[page_size]=2" }), List(Outline))
    expect(page.summaries.map((span) => span.sequence)).toEqual([1, 2])
    expect(page.pagination.item_count).toBe(3)
    for (const span of page.summaries) expect(Object.keys(span)).not.toContain("payload")
  })

  it("GET agent_instance/{id}/risk: a report, not null", async () => {
    const report = ok(await call("GET agent_instance/{id}/risk", { id: the("run") }), Details(RiskReport))
    expect(report.details.level).toBe("medium")
    expect(report.details.breakdown.map((entry) => entry.schema_name)).toContain("crm:lookup")
  })

  it("POST agent_instance/{id}/terminate: a second run, registered with the deployment token under another version", async () => {
    const answer = await call("POST agent_instance/register", {
      token: the("deployment secret"),
      body: {
        agent_version: { external_identifier: "2.0.0", name: "Support bot", description: "second release" },
        agent_schema_version: supportSchema
      }
    })
    const id = keep("second run", text(answer, "details", "id"))
    keep("version 2", text(answer, "details", "agent_version_id"))
    expect(the("version 2")).not.toBe(the("version 1"))
    expect(text(await call("POST agent_instance/{id}/start", { id, body: {}, token: the("deployment secret") }), "details", "status")).toBe("active")
    const inFlight = text(
      await call("POST agent_spans", {
        token: the("deployment secret"),
        body: { details: { agent_instance_id: id, schema_name: "agent", status: "active", payload: {} } }
      }),
      "details",
      "id"
    )
    const terminated = ok(await call("POST agent_instance/{id}/terminate", { id, body: { reason: "contract test: stop" } }), Details(AgentInstance))
    expect(terminated.details).toMatchObject({ status: "terminated", termination_reason: "contract test: stop", agent_id: the("agent") })
    expect(terminated.details.finished_at).not.toBeNull()
    expect(terminated.details.span_counts, "terminating closes the spans in flight").toMatchObject({ total: 1, active: 0, finished: 1 })
    const closed = ok(await call("GET agent_spans/{id}", { id: inFlight }), Details(AgentSpan))
    expect(["complete", "failed", "cancelled", "terminated"]).toContain(closed.details.status)
    expect(closed.details.finished_at).not.toBeNull()
  })

  // --- versions and schema versions

  it("GET agent_version, filtered by agent: both versions", async () => {
    const page = ok(await call("GET agent_version", { query: `agent_id=${the("agent")}` }), List(AgentVersion))
    expect(page.summaries.map((version) => version.id).sort()).toEqual([the("version 1"), the("version 2")].sort())
  })

  it("GET agent_version/{id}", async () => {
    const answer = await call("GET agent_version/{id}", { id: the("version 1") })
    keep("schema version", text(answer, "details", "agent_schema_version_id"))
    expect(ok(answer, Details(AgentVersion)).details).toMatchObject({ id: the("version 1"), external_identifier: "1.0.0" })
  })

  it("GET agent_version/{id}/risk: theoretical risk and the agreed-risk violation", async () => {
    const risk = ok(await call("GET agent_version/{id}/risk", { id: the("version 1") }), Details(VersionRisk))
    expect(risk.details.theoretical.total).toBeGreaterThan(0)
    expect(risk.details.violations).toContainEqual(expect.objectContaining({ schema_name: "payments:charge", key: "financial_information" }))
  })

  it("GET agent_schema_version, filtered by agent", async () => {
    const page = ok(await call("GET agent_schema_version", { query: `agent_id=${the("agent")}` }), List(AgentSchemaVersion))
    expect(page.summaries.map((version) => version.id)).toContain(the("schema version"))
  })

  it("GET agent_schema_version/{id}: the span types by name", async () => {
    const version = ok(await call("GET agent_schema_version/{id}", { id: the("schema version") }), Details(AgentSchemaVersion))
    expect(Object.keys(version.details.span_type_schemas).sort()).toEqual(["agent", "crm:lookup", "llm", "payments:charge"])
  })

  // --- moving the deployment

  it("PUT agent_deployment/{id}", async () => {
    const id = the("deployment")
    const moved = ok(await call("PUT agent_deployment/{id}", { id, body: { details: { current_version_id: the("version 1") } } }), Details(AgentDeployment))
    expect(moved.details.current_version_id).toBe(the("version 1"))
    const back = ok(await call("PUT agent_deployment/{id}", { id, body: { details: { current_version_id: the("version 2") } } }), Details(AgentDeployment))
    expect(back.details.current_version_id).toBe(the("version 2"))
  })

  it("POST agent_deployment/{id}/rollback: every move in the history", async () => {
    const id = the("deployment")
    const rolledBack = ok(
      await call("POST agent_deployment/{id}/rollback", { id, body: { details: { version_id: the("version 1") } } }),
      Details(AgentDeploymentWithHistory)
    )
    expect(rolledBack.details.current_version_id).toBe(the("version 1"))
    const history = ok(await call("GET agent_deployment/{id}", { id }), Details(AgentDeploymentWithHistory)).details.history
    // run 1 → v1, run 2 → v2, PUT → v1, PUT → v2, rollback → v1
    expect(history.map((entry) => entry.to_version_id)).toEqual(
      expect.arrayContaining([the("version 1"), the("version 2")])
    )
    expect(history).toHaveLength(5)
  })

  // --- retiring and deleting

  it("DELETE agent_deployment/{id}", async () => {
    const agent = keep("disposable agent", text(await call("POST agent", { body: { details: { name: "Disposable bot" } } }), "details", "id"))
    const staging = text(await call("POST environment", { body: { details: { name: unique("staging-copy"), purpose: "staging" } } }), "details", "id")
    const deployment = text(await call("POST agent_deployment", { body: { details: { agent_id: agent, environment_id: staging } } }), "details", "id")
    expect(ok(await call("DELETE agent_deployment/{id}", { id: deployment }), Details(AgentDeployment)).details.id).toBe(deployment)
  })

  it("POST agent/{id}/retire", async () => {
    const id = the("disposable agent")
    expect(ok(await call("POST agent/{id}/retire", { id, body: {} }), Details(Agent)).details).toMatchObject({ id, status: "retired" })
  })

  it("POST agent/{id}/reinstate", async () => {
    const id = the("disposable agent")
    expect(ok(await call("POST agent/{id}/reinstate", { id, body: {} }), Details(Agent)).details).toMatchObject({ id, status: "pending" })
  })

  it("DELETE agent/{id}", async () => {
    const id = the("disposable agent")
    expect(ok(await call("DELETE agent/{id}", { id }), Details(Agent)).details.id).toBe(id)
  })

  it("POST api_token/{id}/suspend", async () => {
    const id = the("account token")
    expect(ok(await call("POST api_token/{id}/suspend", { id, body: {} }), Details(ApiToken)).details.status).toBe("suspended")
    refusedWith(await call("GET ping", { token: the("account secret") }), 401, "unauthorized")
  })

  it("POST api_token/{id}/activate", async () => {
    const id = the("account token")
    expect(ok(await call("POST api_token/{id}/activate", { id, body: {} }), Details(ApiToken)).details.status).toBe("active")
    expect(field((await call("GET ping", { token: the("account secret") })).body, "status")).toBe("success")
  })

  it("POST api_token/{id}/expire", async () => {
    const id = the("account token")
    expect(ok(await call("POST api_token/{id}/expire", { id, body: {} }), Details(ApiToken)).details.expires_at).not.toBeNull()
    refusedWith(await call("GET ping", { token: the("account secret") }), 401, "unauthorized")
  })

  it("POST api_token/{id}/revoke", async () => {
    const id = the("account token")
    expect(ok(await call("POST api_token/{id}/revoke", { id, body: {} }), Details(ApiToken)).details.status).toBe("revoked")
  })

  it("DELETE api_token/{id}", async () => {
    const id = the("account token")
    expect(ok(await call("DELETE api_token/{id}", { id }), Details(ApiToken)).details.id).toBe(id)
  })

  // --- bulk and the operator

  it("POST bulk", async () => {
    const key = unique("bulk-agent")
    const answer = await call("POST bulk", { body: { items: [{ _type: "agents/create", idempotency_key: key, details: { name: "Bulk bot" } }] } })
    const output = ok(answer, Bulk).outputs[key]
    expect(output).toMatchObject({ status: "success", _type: "agents/create" })
    decode(Agent, field(output, "details"), "POST bulk: the agents/create output's details")
  })

  it("POST admin/account with the operator token", async () => {
    const account = ok(await call("POST admin/account", { token: server.operatorToken, body: { details: { name: "Contract Co" } } }), CreatedAccount)
    expect(account.details.name).toBe("Contract Co")
    expect(account.api_token).toMatchObject({ account_id: account.details.id, token_scope: "account", status: "active" })
    expect(ok(await call("GET ping", { token: account.token }), Details(Principal)).details.account_id).toBe(account.details.id)
  })
})

describe("the reference's query parameters", () => {
  const lists = [
    "GET environment",
    "GET agent",
    "GET agent_version",
    "GET agent_schema_version",
    "GET agent_deployment",
    "GET agent_instance",
    "GET agent_spans",
    "GET api_token",
    "GET risk_profile"
  ]

  it.each(lists)("%s?sorting=-id (the Python SDK's order): newest first", async (route) => {
    const byAgent = route === "GET agent_version" || route === "GET agent_schema_version" ? `agent_id=${the("agent")}&` : ""
    const page = ok(await call(route, { query: `${byAgent}sorting=-id&pagination[page_size]=100` }), List(Schema.Struct({ id: Pfid })))
    expect(page.sorting).toEqual({ field: "id", direction: "desc" })
    const ids = page.summaries.map((item) => item.id)
    expect(ids).toEqual([...ids].sort().reverse())
  })

  it("GET agent/{id}?include_counts=true carries instance_counts (platform §5)", async () => {
    const answer = await call("GET agent/{id}", { id: the("agent"), query: "include_counts=true" })
    expect(answer.status).toBe(200)
    const counts = decode(SpanCounts, field(answer.body, "details", "instance_counts"), "GET agent/{id}?include_counts=true: details.instance_counts")
    expect(counts).toMatchObject({ total: 2, complete: 1, terminated: 1, finished: 2 })
  })
})

// =============================================================================================
// Every documented route, with a request that must fail

interface Refusal {
  readonly route: string
  readonly why: string
  readonly request: () => Request
  readonly status: number
  readonly code: ErrorCode
}

const unknown = (route: string, body?: Json): Refusal => ({
  route,
  why: "unknown id",
  request: () => (body === undefined ? { id: unknownId } : { id: unknownId, body }),
  status: 404,
  code: "not_found"
})

const invalid = (route: string, why: string, request: () => Request): Refusal => ({ route, why, request, status: 400, code: "validation_errors" })

const refusals: ReadonlyArray<Refusal> = [
  { route: "GET ping", why: "no token", request: () => ({ token: null }), status: 401, code: "unauthorized" },
  { route: "GET ping", why: "an unknown token", request: () => ({ token: `pf_${"x".repeat(43)}` }), status: 401, code: "unauthorized" },
  invalid("POST agent_instance/register", "agent_version is not an object", () => ({
    body: { agent_id: the("agent"), environment_id: the("environment"), agent_version: 3 }
  })),
  unknown("POST agent_instance/{id}/start", {}),
  unknown("POST agent_instance/{id}/finish", {}),
  {
    route: "POST agent_instance/{id}/finish",
    why: "a finished run again",
    request: () => ({ id: the("run"), body: {} }),
    status: 409,
    code: "invalid_action"
  },
  invalid("POST agent_spans", "agent_instance_id null (a failed register)", () => ({
    body: { details: { agent_instance_id: null, schema_name: "llm", status: "complete", payload: {} } }
  })),
  invalid("POST agent_spans", "result_payload on a span that is not terminal", () => ({
    body: { details: { agent_instance_id: the("second run"), schema_name: "agent", status: "active", payload: {}, result_payload: { a: 1 } } }
  })),
  invalid("POST agent_spans/batch", "details is not a list", () => ({ body: { details: { schema_name: "llm" } } })),
  unknown("POST agent_spans/{id}/finish", {}),
  {
    route: "POST agent_spans/{id}/finish",
    why: "a finished span again",
    request: () => ({ id: the("agent span"), body: { status: "complete" } }),
    status: 409,
    code: "invalid_action"
  },
  invalid("GET agent_instance", "an unknown status", () => ({ query: "status=sleeping" })),
  unknown("GET agent_instance/{id}"),
  unknown("GET agent_instance/{id}/timeline"),
  unknown("GET agent_instance/{id}/spans"),
  unknown("GET agent_instance/{id}/risk"),
  unknown("POST agent_instance/{id}/terminate", { reason: "stop" }),
  invalid("POST agent_instance/{id}/terminate", "no reason", () => ({ id: the("run"), body: {} })),
  invalid("GET agent_spans", "start_time is not a date", () => ({ query: "start_time=yesterday" })),
  unknown("GET agent_spans/{id}"),
  invalid("POST agent", "name is a number", () => ({ body: { details: { name: 3 } } })),
  invalid("GET agent", "risk_profile_id is not a PFID", () => ({ query: "risk_profile_id=nope" })),
  {
    route: "GET agent",
    why: "a deployment token reads no agents",
    request: () => ({ token: the("deployment secret") }),
    status: 403,
    code: "not_permitted"
  },
  {
    route: "GET agent/show",
    why: "an unknown external identifier",
    request: () => ({ query: "external_identifier=nobody-has-this" }),
    status: 404,
    code: "not_found"
  },
  unknown("GET agent/{id}"),
  unknown("PUT agent/{id}", { details: { description: "x" } }),
  unknown("DELETE agent/{id}"),
  unknown("POST agent/{id}/retire", {}),
  unknown("POST agent/{id}/reinstate", {}),
  invalid("GET agent_version", "no agent_id", () => ({})),
  unknown("GET agent_version/{id}"),
  unknown("GET agent_version/{id}/risk"),
  invalid("GET agent_schema_version", "no agent_id", () => ({})),
  unknown("GET agent_schema_version/{id}"),
  invalid("POST agent_deployment", "no environment_id", () => ({ body: { details: { agent_id: the("agent") } } })),
  invalid("GET agent_deployment", "agent_id is not a PFID", () => ({ query: "agent_id=nope" })),
  unknown("GET agent_deployment/{id}"),
  unknown("PUT agent_deployment/{id}", { details: { current_version_id: null } }),
  unknown("DELETE agent_deployment/{id}"),
  unknown("POST agent_deployment/{id}/rollback", { details: { version_id: unknownId } }),
  invalid("POST environment", "name is a number", () => ({ body: { details: { name: 3 } } })),
  invalid("GET environment", "page size over 100", () => ({ query: "pagination[page_size]=101" })),
  unknown("GET environment/{id}"),
  unknown("PUT environment/{id}", { details: { name: "x" } }),
  unknown("DELETE environment/{id}"),
  invalid("POST api_token", "an unknown scope", () => ({ body: { details: { token_scope: "galaxy" } } })),
  invalid("GET api_token", "page size 0", () => ({ query: "pagination[page_size]=0" })),
  unknown("GET api_token/{id}"),
  unknown("POST api_token/{id}/suspend", {}),
  unknown("POST api_token/{id}/activate", {}),
  unknown("POST api_token/{id}/revoke", {}),
  unknown("POST api_token/{id}/expire", {}),
  unknown("DELETE api_token/{id}"),
  invalid("POST risk_profile", "thresholds out of order", () => ({
    body: { details: { name: "bad", ...profileRules({ medium: 50, high: 40, critical: 30 }) } }
  })),
  invalid("GET risk_profile", "page size over 100", () => ({ query: "pagination[page_size]=101" })),
  unknown("GET risk_profile/{id}"),
  unknown("PUT risk_profile/{id}", { details: profileRules(sentThresholds) }),
  unknown("DELETE risk_profile/{id}"),
  unknown("GET risk_profile/{id}/revisions"),
  invalid("POST bulk", "no items", () => ({ body: { items: [] } })),
  { route: "POST admin/account", why: "an account token", request: () => ({ body: { details: { name: "X" } } }), status: 401, code: "unauthorized" },
  invalid("POST admin/account", "name is a number", () => ({ token: server.operatorToken, body: { details: { name: 3 } } }))
]

describe("requests that must fail answer the error envelope", () => {
  it.each(refusals)("$route: $why → $status $code", async (refusal) => {
    const request = refusal.request()
    const answer = await call(refusal.route, request)
    refusedWith(answer, refusal.status, refusal.code)
    if (refusal.code === "not_found") {
      const envelope = decode(NotFoundEnvelope, answer.body, `${refusal.route} (404)`)
      if (request.id !== undefined) expect(envelope.id).toBe(request.id)
    }
    if (refusal.code === "invalid_action") {
      const envelope = decode(InvalidActionEnvelope, answer.body, `${refusal.route} (409)`)
      expect(envelope.id).toBe(request.id)
    }
  })

  it("a body that is not JSON: 400 bad_request", async () => {
    refusedWith(await call("POST agent", { rawBody: "{\"details\": {" }), 400, "bad_request")
  })

  it("a field error is keyed by its path, as docs/http.md shows", async () => {
    const envelope = refusedWith(await call("POST agent", { body: { details: { name: 3 } } }), 400, "validation_errors")
    expect(Object.keys(envelope.errors ?? {})).toContain("details.name")
  })

  it("an unknown route: 404 not_found", async () => {
    const answer = await call("GET no_such_thing/{id}", { id: unknownId })
    expect(answer.status).toBe(404)
    expect(decode(ErrorEnvelope, answer.body, "an unknown route").code).toBe("not_found")
  })
})

// =============================================================================================
// What the SDKs depend on

describe("the shapes @prefactor/core 0.2.9 depends on", () => {
  it("register and span create answer 2xx with a string details.id; a repeated finish answers 409 invalid_action", async () => {
    // Lenient setup: an agent, its deployment and a deployment token, the SDK's credential.
    const agent = text(await call("POST agent", { body: { details: { name: "SDK bot" } } }), "details", "id")
    const environment = await call("POST environment", { body: { details: { name: unique("sdk") } } })
    const deployment = text(await call("POST agent_deployment", { body: { details: { agent_id: agent, environment_id: text(environment, "details", "id") } } }), "details", "id")
    const token = text(await call("POST api_token", { body: { details: { token_scope: "agent_deployment", agent_deployment_id: deployment } } }), "token")

    // Exactly the bodies of wire §4.
    const register = await call("POST agent_instance/register", {
      token,
      body: {
        agent_version: { external_identifier: "v1.0.0", name: "Agent", description: "" },
        agent_schema_version: { external_identifier: "sdk-schema-1", span_schemas: { agent: { type: "object" }, llm: { type: "object" } } }
      }
    })
    expect(register.status, register.raw).toBeGreaterThanOrEqual(200)
    expect(register.status, register.raw).toBeLessThan(300)
    const instance = field(register.body, "details", "id")
    expect(typeof instance, register.raw).toBe("string")
    expect(instance).toMatch(/^[0-7][0-9abcdefghjkmnpqrstvwxyz]{31}$/)
    const instanceId = String(instance)

    const started = await call("POST agent_instance/{id}/start", { token, id: instanceId, body: {} })
    expect(started.status, started.raw).toBeLessThan(300)

    const payload = (name: string, status: string) => ({
      span_id: "01m8q0000000000000000000000000aa",
      trace_id: "01m8q0000000000000000000000000bb",
      name,
      status,
      inputs: { question: "hi" },
      outputs: null,
      metadata: {},
      token_usage: null,
      error: null
    })
    const agentSpan = await call("POST agent_spans", {
      token,
      body: {
        details: {
          agent_instance_id: instanceId,
          schema_name: "agent",
          status: "active",
          payload: payload("agent", "active"),
          parent_span_id: null,
          started_at: new Date().toISOString(),
          finished_at: null
        }
      }
    })
    expect(agentSpan.status, agentSpan.raw).toBeGreaterThanOrEqual(200)
    expect(agentSpan.status, agentSpan.raw).toBeLessThan(300)
    const agentSpanId = field(agentSpan.body, "details", "id")
    expect(typeof agentSpanId, agentSpan.raw).toBe("string")

    const now = new Date().toISOString()
    const llmSpan = await call("POST agent_spans", {
      token,
      body: {
        details: {
          agent_instance_id: instanceId,
          schema_name: "llm",
          status: "complete",
          payload: { ...payload("llm", "complete"), outputs: { text: "hello" } },
          result_payload: { text: "hello" },
          parent_span_id: String(agentSpanId),
          started_at: now,
          finished_at: now
        }
      }
    })
    expect(llmSpan.status, llmSpan.raw).toBeGreaterThanOrEqual(200)
    expect(llmSpan.status, llmSpan.raw).toBeLessThan(300)
    expect(typeof field(llmSpan.body, "details", "id"), llmSpan.raw).toBe("string")

    const finishBody = { timestamp: new Date().toISOString(), status: "complete", result_payload: {} }
    const finished = await call("POST agent_spans/{id}/finish", { token, id: String(agentSpanId), body: finishBody })
    expect(finished.status, finished.raw).toBeLessThan(300)
    const again = await call("POST agent_spans/{id}/finish", { token, id: String(agentSpanId), body: finishBody })
    expect(again.status, again.raw).toBe(409)
    expect(field(again.body, "code"), again.raw).toBe("invalid_action")

    const runFinished = await call("POST agent_instance/{id}/finish", { token, id: instanceId, body: {} })
    expect(runFinished.status, runFinished.raw).toBeLessThan(300)
    expect(field(runFinished.body, "details", "status")).toBe("complete")
  })
})

// =============================================================================================
// Coverage and the error envelope, across the whole file

/** The routes of docs/http.md's route table, e.g. `GET agent/{id}`. */
const documentedRoutes = (): ReadonlyArray<string> => {
  const markdown = readFileSync(new URL("../docs/http.md", import.meta.url), "utf8")
  const section = markdown.split("## Routes")[1]?.split("\n## ")[0] ?? ""
  const routes = new Set<string>()
  for (const line of section.split("\n").filter((row) => row.startsWith("| ") && !row.startsWith("| group"))) {
    for (const [, chunk] of line.matchAll(/`([^`]+)`/g)) {
      const match = chunk === undefined ? null : /^((?:GET|POST|PUT|DELETE)(?:\/(?:GET|POST|PUT|DELETE))*) ([^\s?]+)/.exec(chunk)
      if (match === null || match[1] === undefined || match[2] === undefined) continue
      const segments = match[2].split("/")
      const last = segments.pop() ?? ""
      for (const method of match[1].split("/")) {
        for (const alternative of last.split("\\|")) routes.add(`${method} ${[...segments, alternative].join("/")}`)
      }
    }
  }
  return [...routes].sort()
}

describe("coverage", () => {
  it("every route of docs/http.md was called with a valid request and with one that must fail", () => {
    const routes = documentedRoutes()
    expect(routes.length, "the route table parsed").toBeGreaterThanOrEqual(50)
    expect(routes.filter((route) => !succeeded.has(route)), "routes never called with a valid request").toEqual([])
    expect(routes.filter((route) => !refused.has(route)), "routes never called with a request that must fail").toEqual([])
  })

  it("every non-2xx answer of this file was the error envelope with a documented code", () => {
    const failures = answers.filter((answer) => answer.status >= 300)
    expect(failures.length).toBeGreaterThan(refusals.length)
    for (const answer of failures) decode(ErrorEnvelope, answer.body, `${answer.route} (${answer.status})`)
  })
})
