/**
 * Agents: stable identities that span every environment. Status `pending` (no run yet) →
 * `active` (first run registered) → `dormant` (derived: no run for 30 days); `retire` →
 * `retired`, where new runs are refused; `reinstate` goes back. An agent is deleted only while
 * it has no instances; otherwise it is retired and its audit trail stays.
 */
import { DateTime, Either, Option, Schema } from "effect"
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
export const effectiveStatus = (agent: Pick<Agent, "status" | "last_run_at">, now: DateTime.Utc): AgentStatus =>
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

/** A new agent, from a validated name: `pending` until its first run. */
export const create = (
  fields: {
    readonly id: AgentId
    readonly account_id: AccountId
    readonly name: string
    readonly description?: string | null | undefined
    readonly external_identifier: string | null
    readonly risk_profile_id: RiskProfileId | null
  },
  now: DateTime.Utc
): Agent =>
  new Agent({
    id: fields.id,
    account_id: fields.account_id,
    name: fields.name,
    description: fields.description ?? null,
    external_identifier: fields.external_identifier,
    status: "pending",
    risk_profile_id: fields.risk_profile_id,
    last_run_at: null,
    inserted_at: now,
    updated_at: now
  }, true)

/** A retired agent is not edited: it is reinstated first. */
export const isEditable = (agent: Agent): boolean => agent.status !== "retired"

/** What an edit may change; an omitted field stays, null clears a description or a profile. */
export interface Changes {
  readonly name?: string | undefined
  readonly description?: string | null | undefined
  readonly risk_profile_id?: RiskProfileId | null | undefined
}

/**
 * The agent after an edit; a retired one is refused (`InvalidAction`, `isEditable`). The caller
 * checks that a profile it names may be assigned (`RiskProfile.checkAssignable`).
 */
export const update = (agent: Agent, changes: Changes, now: DateTime.Utc): Either.Either<Agent, InvalidAction | InvalidInput> => {
  if (!isEditable(agent)) return refuse(agent, "update")
  const name = changes.name === undefined ? Either.right(agent.name) : validateAgentName(changes.name)
  return Either.map(name, (name) =>
    new Agent({
      ...agent,
      name,
      description: changes.description === undefined ? agent.description : changes.description,
      risk_profile_id: changes.risk_profile_id === undefined ? agent.risk_profile_id : changes.risk_profile_id,
      updated_at: now
    }, true))
}

/** An external identifier names one agent of the account: free when no agent holds it (`taken`). */
export const checkExternalIdentifierFree = (taken: Option.Option<Agent>, externalIdentifier: string): Either.Either<void, Conflict> =>
  Option.isSome(taken)
    ? Either.left(new Conflict({ message: `an agent with external_identifier "${externalIdentifier}" exists` }))
    : Either.void

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
  update: isEditable(agent),
  retire: agent.status !== "retired",
  reinstate: agent.status === "retired",
  delete: Either.isRight(checkDeletable(agent, usage))
})
