/**
 * Agents: stable identities that span every environment. Status `pending` (no run yet) →
 * `active` (first run registered) → `dormant` (derived: no run for 30 days); `retire` →
 * `retired`, where new runs are refused; `reinstate` goes back. An agent is deleted only while
 * it has no instances; otherwise it is retired and its audit trail stays.
 */
import { DateTime, Either, Schema } from "effect"
import { Conflict, InvalidAction, InvalidInput } from "./Errors.js"
import { AccountId, AgentId, RiskProfileId } from "./Ids.js"

/** `dormant` is never stored: readers see it through `withEffectiveStatus`, read off the last run. */
export const AgentStatus = Schema.Literal("pending", "active", "dormant", "retired")
export type AgentStatus = typeof AgentStatus.Type

export class Agent extends Schema.Class<Agent>("Agent")({
  id: AgentId,
  account_id: AccountId,
  name: Schema.String,
  description: Schema.NullOr(Schema.String),
  external_identifier: Schema.NullOr(Schema.String),
  status: AgentStatus,
  risk_profile_id: Schema.NullOr(RiskProfileId),
  last_run_at: Schema.NullOr(Schema.DateTimeUtc),
  inserted_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
}) {}

export const dormancy = { days: 30 } as const

/** The status a reader sees at `now`. */
export const effectiveStatus = (agent: Agent, now: DateTime.Utc): AgentStatus =>
  agent.status === "active" && agent.last_run_at !== null &&
    DateTime.distance(agent.last_run_at, now) >= dormancy.days * 24 * 60 * 60 * 1000
    ? "dormant"
    : agent.status

/** The agent as a reader sees it at `now`. */
export const withEffectiveStatus = (agent: Agent, now: DateTime.Utc): Agent => {
  const status = effectiveStatus(agent, now)
  return status === agent.status ? agent : new Agent({ ...agent, status }, true)
}

export const validateAgentName = (name: string): Either.Either<string, InvalidInput> => {
  const trimmed = name.trim()
  return trimmed.length >= 1 && trimmed.length <= 255
    ? Either.right(trimmed)
    : Either.left(InvalidInput.field("name", "must be 1–255 characters"))
}

export const validateExternalIdentifier = (value: string): Either.Either<string, InvalidInput> =>
  value.length >= 1 && value.length <= 255
    ? Either.right(value)
    : Either.left(InvalidInput.field("external_identifier", "must be 1–255 characters"))

const refuse = (agent: Agent, action: string) =>
  Either.left(new InvalidAction({ entity: "agent", id: agent.id, action, status: agent.status }))

export const retire = (agent: Agent, now: DateTime.Utc): Either.Either<Agent, InvalidAction> =>
  agent.status === "retired" ? refuse(agent, "retire") : Either.right(new Agent({ ...agent, status: "retired", updated_at: now }, true))

/** Back to `active` when it has run before, else `pending`. */
export const reinstate = (agent: Agent, now: DateTime.Utc): Either.Either<Agent, InvalidAction> =>
  agent.status !== "retired"
    ? refuse(agent, "reinstate")
    : Either.right(new Agent({ ...agent, status: agent.last_run_at === null ? "pending" : "active", updated_at: now }, true))

/** A run registers: the agent becomes (or stays) active; a retired agent takes no new runs. */
export const recordRun = (agent: Agent, now: DateTime.Utc): Either.Either<Agent, InvalidAction> =>
  agent.status === "retired"
    ? refuse(agent, "register a run for")
    : Either.right(new Agent({ ...agent, status: "active", last_run_at: now, updated_at: now }, true))

/** An agent is deleted only with no runs (its audit trail) and no deployments pointing at it. */
export const checkDeletable = (
  agent: Agent,
  usage: { readonly instances: number; readonly deployments: number }
): Either.Either<void, Conflict> =>
  usage.instances > 0
    ? Either.left(new Conflict({ message: `agent ${agent.id} has ${usage.instances} instance(s); retire it instead of deleting it` }))
    : usage.deployments > 0
    ? Either.left(new Conflict({ message: `agent ${agent.id} has ${usage.deployments} deployment(s); delete them first` }))
    : Either.void

export const AvailableActions = Schema.Struct({
  update: Schema.Boolean,
  retire: Schema.Boolean,
  reinstate: Schema.Boolean,
  delete: Schema.Boolean
}).annotations({ identifier: "AvailableActions" })
export type AvailableActions = typeof AvailableActions.Type

/** What a reader may do now, as the platform's `available_actions`. */
export const availableActions = (agent: Agent, usage: { readonly instances: number; readonly deployments: number }): AvailableActions => ({
  update: agent.status !== "retired",
  retire: agent.status !== "retired",
  reinstate: agent.status === "retired",
  delete: Either.isRight(checkDeletable(agent, usage))
})
