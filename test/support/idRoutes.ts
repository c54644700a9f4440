/**
 * The routes of the API with an `{id}` in their path, each with a body its handler accepts given
 * an existing record, so that a request to one is wrong only in its id; the kind of record each
 * names, and whether a deployment-scoped token is refused there (a management route). The ids
 * test checks this list against the OpenAPI document.
 */
import { type World, request } from "./badInputWorld.js"
import type { Json } from "./json.js"

/** The kinds of record a seeded account holds one of (`B.Seeded`). */
export type Kind = "token" | "environment" | "agent" | "version" | "schemaVersion" | "deployment" | "riskProfile" | "instance" | "span"

/** The kind of record the `{id}` of a path names, from its collection. */
export const kindOf = (path: string): Kind => {
  const collection = path.split("/")[3]
  switch (collection) {
    case "api_token": return "token"
    case "environment": return "environment"
    case "agent": return "agent"
    case "agent_version": return "version"
    case "agent_schema_version": return "schemaVersion"
    case "agent_deployment": return "deployment"
    case "risk_profile": return "riskProfile"
    case "agent_instance": return "instance"
    case "agent_spans": return "span"
    default: throw new Error(`no kind for ${path}`)
  }
}

export interface IdRoute {
  readonly method: string
  readonly path: string
  /** A body the route accepts (given an existing record), or none. */
  readonly body?: (w: World) => Json
  /** Whether a deployment-scoped token is refused here (a management route). */
  readonly management: boolean
}

/** Risk thresholds a route accepts. */
export const thresholds = { medium: 10, high: 20, critical: 30 }

export const idRoutes: ReadonlyArray<IdRoute> = [
  { method: "GET", path: "/api/v1/api_token/{id}", management: true },
  { method: "DELETE", path: "/api/v1/api_token/{id}", management: true },
  { method: "POST", path: "/api/v1/api_token/{id}/suspend", body: () => ({}), management: true },
  { method: "POST", path: "/api/v1/api_token/{id}/activate", body: () => ({}), management: true },
  { method: "POST", path: "/api/v1/api_token/{id}/revoke", body: () => ({}), management: true },
  { method: "POST", path: "/api/v1/api_token/{id}/expire", body: () => ({}), management: true },
  { method: "GET", path: "/api/v1/environment/{id}", management: true },
  { method: "PUT", path: "/api/v1/environment/{id}", body: () => ({ details: { name: "renamed by a bad request" } }), management: true },
  { method: "DELETE", path: "/api/v1/environment/{id}", management: true },
  { method: "GET", path: "/api/v1/agent/{id}", management: true },
  { method: "PUT", path: "/api/v1/agent/{id}", body: () => ({ details: { name: "renamed by a bad request" } }), management: true },
  { method: "DELETE", path: "/api/v1/agent/{id}", management: true },
  { method: "POST", path: "/api/v1/agent/{id}/retire", body: () => ({}), management: true },
  { method: "POST", path: "/api/v1/agent/{id}/reinstate", body: () => ({}), management: true },
  { method: "GET", path: "/api/v1/agent_version/{id}", management: true },
  { method: "GET", path: "/api/v1/agent_version/{id}/risk", management: true },
  { method: "GET", path: "/api/v1/agent_schema_version/{id}", management: true },
  { method: "GET", path: "/api/v1/agent_deployment/{id}", management: true },
  { method: "PUT", path: "/api/v1/agent_deployment/{id}", body: () => ({ details: { current_version_id: null } }), management: true },
  { method: "DELETE", path: "/api/v1/agent_deployment/{id}", management: true },
  { method: "POST", path: "/api/v1/agent_deployment/{id}/rollback", body: (w) => ({ details: { version_id: w.a.version } }), management: true },
  { method: "GET", path: "/api/v1/risk_profile/{id}", management: true },
  { method: "PUT", path: "/api/v1/risk_profile/{id}", body: () => ({ details: { thresholds } }), management: true },
  { method: "DELETE", path: "/api/v1/risk_profile/{id}", management: true },
  { method: "GET", path: "/api/v1/risk_profile/{id}/revisions", management: true },
  { method: "POST", path: "/api/v1/agent_instance/{id}/start", body: () => ({}), management: false },
  { method: "POST", path: "/api/v1/agent_instance/{id}/finish", body: () => ({}), management: false },
  { method: "POST", path: "/api/v1/agent_instance/{id}/terminate", body: () => ({ reason: "a bad request" }), management: true },
  { method: "POST", path: "/api/v1/agent_instance/{id}/record_quality", body: () => ({ name: "accuracy", payload: { score: 1 } }), management: false },
  { method: "GET", path: "/api/v1/agent_instance/{id}", management: false },
  { method: "GET", path: "/api/v1/agent_instance/{id}/timeline", management: false },
  { method: "GET", path: "/api/v1/agent_instance/{id}/spans", management: false },
  { method: "GET", path: "/api/v1/agent_instance/{id}/risk", management: false },
  { method: "DELETE", path: "/api/v1/agent_instance/{id}", management: true },
  { method: "POST", path: "/api/v1/agent_instance/{id}/redact", body: () => ({}), management: true },
  { method: "POST", path: "/api/v1/agent/{id}/erase", body: () => ({ mode: "delete" }), management: true },
  { method: "GET", path: "/api/v1/agent_instance/{id}/export", management: false },
  { method: "GET", path: "/api/v1/agent/{id}/export", management: false },
  { method: "POST", path: "/api/v1/agent_spans/{id}/finish", body: () => ({}), management: false },
  { method: "GET", path: "/api/v1/agent_spans/{id}", management: false }
]

/** The path with `id` in place of `{id}`. */
export const withId = (path: string, id: string): string => path.replace("{id}", id)

/** Sends an id route with `id` in its path and its accepted body. */
export const sendIdRoute = (w: World, route: IdRoute, id: string, token: string = w.server.secret) =>
  request(w, route.method, withId(route.path, id), route.body?.(w), token)
