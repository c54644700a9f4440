/**
 * Every documented route with a request that must fail, each answered with the error envelope
 * and the documented status and code (`not_found` and `invalid_action` with their extra fields);
 * and a body that is not JSON, a field error keyed by its path, an unknown route. The list names
 * records the valid requests created, read only when each test runs; the coverage test counts it.
 */
import { expect, it } from "vitest"
import { decode } from "../support/contract/decode.js"
import { type ErrorCode, ErrorEnvelope, InvalidActionEnvelope, NotFoundEnvelope } from "../support/contract/envelopes.js"
import { profileRules, sentThresholds, unknownId } from "../support/contract/requests.js"
import type { ContractSession, Request } from "../support/contract/session.js"
import type { Json } from "../support/json.js"

/** A request that must fail, and the status and code it must be answered with. */
export interface Refusal {
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

/** The requests that must fail, one or more per documented route. */
export const refusalsOf = ({ server, the }: ContractSession): ReadonlyArray<Refusal> => [
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
  invalid("GET agent_instance", "an unknown risk level", () => ({ query: "risk_level=severe" })),
  invalid("GET overview", "since is not a date", () => ({ query: "since=yesterday" })),
  invalid("GET activity", "more buckets than it serves", () => ({ query: "since=2026-01-01T00:00:00Z&until=2026-02-01T00:00:00Z&bucket_minutes=1" })),
  invalid("GET activity", "bucket_minutes is not a number", () => ({ query: "bucket_minutes=five" })),
  {
    route: "GET masking_policy",
    why: "a deployment token reads no masking policy",
    request: () => ({ token: the("deployment secret") }),
    status: 403,
    code: "not_permitted"
  },
  invalid("PUT masking_policy", "an unknown data category", () => ({ body: { details: { categories: ["salary"] } } })),
  invalid("PUT masking_policy", "more field names than a policy holds", () => ({
    body: { details: { keys: Array.from({ length: 101 }, (_, i) => `field_${i}`) } }
  })),
  unknown("GET agent_instance/{id}"),
  unknown("GET agent_instance/{id}/timeline"),
  unknown("GET agent_instance/{id}/spans"),
  unknown("GET agent_instance/{id}/risk"),
  unknown("POST agent_instance/{id}/terminate", { reason: "stop" }),
  invalid("POST agent_instance/{id}/terminate", "no reason", () => ({ id: the("run"), body: {} })),
  unknown("POST agent_instance/{id}/record_quality", { name: "accuracy", payload: { score: 1 } }),
  invalid("POST agent_instance/{id}/record_quality", "no name", () => ({ id: the("run"), body: { payload: { score: 1 } } })),
  invalid("POST agent_instance/{id}/record_quality", "a payload that is not an object", () => ({ id: the("run"), body: { name: "accuracy", payload: 0.9 } })),
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
  invalid("GET audit_event", "an unknown actor_type", () => ({ query: "actor_type=robot" })),
  invalid("GET audit_event", "occurred_after is not a date", () => ({ query: "occurred_after=yesterday" })),
  invalid("GET audit_event", "an unknown sort field", () => ({ query: "sorting=-hash" })),
  {
    route: "GET audit_event",
    why: "a deployment token reads no audit log",
    request: () => ({ token: the("deployment secret") }),
    status: 403,
    code: "not_permitted"
  },
  {
    route: "GET audit_event/verify",
    why: "a deployment token verifies no audit log",
    request: () => ({ token: the("deployment secret") }),
    status: 403,
    code: "not_permitted"
  },
  unknown("GET agent_instance/{id}/export"),
  unknown("GET agent/{id}/export"),
  invalid("GET agent/{id}/export", "a range that ends before it starts", () => ({
    id: the("agent"),
    query: "started_after=2026-01-02T00:00:00Z&started_before=2026-01-01T00:00:00Z"
  })),
  unknown("DELETE agent_instance/{id}"),
  unknown("POST agent_instance/{id}/redact", {}),
  {
    route: "POST agent_instance/{id}/redact",
    why: "a deployment token erases nothing",
    request: () => ({ id: the("run"), body: {}, token: the("deployment secret") }),
    status: 403,
    code: "not_permitted"
  },
  unknown("POST agent/{id}/erase", { mode: "delete" }),
  invalid("POST agent/{id}/erase", "an unknown mode", () => ({ id: the("agent"), body: { mode: "shred" } })),
  {
    route: "GET retention_policy",
    why: "a deployment token reads no retention policy",
    request: () => ({ token: the("deployment secret") }),
    status: 403,
    code: "not_permitted"
  },
  invalid("PUT retention_policy", "zero days", () => ({ body: { details: { run_days: 0, environments: [] } } })),
  { route: "POST admin/account", why: "an account token", request: () => ({ body: { details: { name: "X" } } }), status: 401, code: "unauthorized" },
  invalid("POST admin/account", "name is a number", () => ({ token: server().operatorToken, body: { details: { name: 3 } } }))
]

/** The tests of the requests that must fail. */
export const requestsThatMustFail = (contract: ContractSession, refusals: ReadonlyArray<Refusal>): void => {
  const { call, refusedWith } = contract

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
}
