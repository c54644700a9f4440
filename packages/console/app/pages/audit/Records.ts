/**
 * Where an audit event's record lives in the console, and whether it still exists: each kind of
 * record the log names has a page (a run, an agent, a profile, a token…) and an API route that
 * answers 404 once it is gone (deleted, erased, retired by retention). The log's page asks those
 * routes for the records of the events it shows, once each, and links only to what is still there.
 */
import type { AuditEvent } from "../../api/Audit.js"
import type { Client } from "../../api/Client.js"
import { isRecord } from "../../api/Read.js"
import { agentHref, auditHref, href, profileHref, runHref, tokenHref } from "../../Router.js"
import { useAnswer } from "../../ui/Load.js"

export interface RecordRef {
  /** What the record is, in words ("run", "agent"). */
  readonly what: string
  /** Its id. */
  readonly id: string
  /** The console's page of the record. */
  readonly href: string
  /** The API route that answers 404 once the record is gone; null when it cannot be gone. */
  readonly check: string | null
}

const field = (value: unknown, ...path: ReadonlyArray<string>): string | null => {
  let at: unknown = value
  for (const key of path) at = isRecord(at) ? at[key] : undefined
  return typeof at === "string" ? at : null
}

/** The agent a deployment event's record names (its `deployment.agent_id`, after or before). */
const deploymentAgent = (event: AuditEvent): string | null => field(event.after, "deployment", "agent_id") ?? field(event.before, "deployment", "agent_id")

const api = (collection: string, id: string): string => `/${collection}/${encodeURIComponent(id)}`

/** The record an event changed, where the console shows it; null when it has no page. */
export const recordOf = (event: AuditEvent): RecordRef | null => {
  const id = event.entity_id
  if (event.action === "agent_instance.erase") {
    // A range erasure names the agent whose runs it erased, not one run.
    const agent = field(event.after, "agent_id")
    return agent === null ? null : { what: "runs of agent", id: agent, href: agentHref(agent), check: api("agent", agent) }
  }
  if (id === null) return null
  switch (event.entity) {
    case "retention_policy":
      return { what: "retention policy", id, href: "/retention", check: null }
    case "agent":
      return { what: "agent", id, href: agentHref(id), check: api("agent", id) }
    case "agent_instance":
      return { what: "run", id, href: runHref(id), check: api("agent_instance", id) }
    case "risk_profile":
      return { what: "risk profile", id, href: profileHref(id), check: api("risk_profile", id) }
    case "environment":
      return { what: "environment", id, href: href("/runs", { environment_id: id }), check: api("environment", id) }
    case "api_token":
      return { what: "token", id, href: tokenHref(id), check: api("api_token", id) }
    case "agent_deployment": {
      const agent = deploymentAgent(event)
      return agent === null ? null : { what: "deployment", id, href: agentHref(agent, { tab: "deployments" }), check: api("agent_deployment", id) }
    }
  }
  return null
}

/** The events about the same record (its history in the log). */
export const historyHref = (event: AuditEvent): string | null =>
  event.entity_id === null ? null : auditHref({ entity: event.entity, entity_id: event.entity_id })

/** What the console knows of a record: there, gone (404), being asked, or not known (the check failed). */
export type Presence = "exists" | "gone" | "checking" | "unknown"

/**
 * Whether the records of `events` still exist: one read of each record's route, all at once
 * (a page holds at most 25 events). A failure other than 404 leaves the record unknown, and it is
 * linked: its page says what is wrong.
 */
export const usePresence = (client: Client, events: ReadonlyArray<AuditEvent>): ((ref: RecordRef) => Presence) => {
  const checks = [...new Set(events.flatMap((event) => {
    const check = recordOf(event)?.check
    return check === undefined || check === null ? [] : [check]
  }))]
  const loaded = useAnswer(async () => {
    const answers = await Promise.all(checks.map(async (check) => {
      const answer = await client.get(check, () => null)
      const presence: Presence = answer._tag === "Ok" ? "exists" : answer.failure.status === 404 ? "gone" : "unknown"
      return [check, presence] as const
    }))
    return { _tag: "Ok" as const, value: new Map(answers) }
  }, [client, checks.join(" ")])
  const known = loaded.state._tag === "Ok" ? loaded.state.value : new Map<string, Presence>()
  return (ref) => (ref.check === null ? "exists" : known.get(ref.check) ?? "checking")
}
