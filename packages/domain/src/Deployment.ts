/**
 * Deployments: "in environment E, version V of agent A is the current release". At most one per
 * (agent, environment), ever; the pointer is nullable and always names a version of the same
 * agent. Every move of the pointer appends to an append-only history (from, to, when, cause, and
 * who: the actor, and the run whose registration moved it).
 */
import { DateTime, Either, Option, Schema } from "effect"
import type { AgentVersion } from "./AgentVersion.js"
import { Actor } from "./Audit.js"
import { Conflict, InvalidAction, InvalidInput } from "./Errors.js"
import { AccountId, AgentId, AgentVersionId, DeploymentId, EnvironmentId, InstanceId } from "./Ids.js"

export class Deployment extends Schema.Class<Deployment>("Deployment")({
  id: DeploymentId,
  account_id: AccountId,
  agent_id: AgentId,
  environment_id: EnvironmentId,
  current_version_id: Schema.NullOr(AgentVersionId),
  inserted_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
}) {}

/** A new deployment of an agent in an environment, pointing at no version yet. */
export const create = (
  fields: { readonly id: DeploymentId; readonly account_id: AccountId; readonly agent_id: AgentId; readonly environment_id: EnvironmentId },
  now: DateTime.Utc
): Deployment =>
  new Deployment({
    id: fields.id,
    account_id: fields.account_id,
    agent_id: fields.agent_id,
    environment_id: fields.environment_id,
    current_version_id: null,
    inserted_at: now,
    updated_at: now
  }, true)

export const DeploymentCause = Schema.Literal("run", "api", "rollback")
export type DeploymentCause = typeof DeploymentCause.Type

export class DeploymentHistoryEntry extends Schema.Class<DeploymentHistoryEntry>("DeploymentHistoryEntry")({
  account_id: AccountId,
  agent_deployment_id: DeploymentId,
  from_version_id: Schema.NullOr(AgentVersionId),
  to_version_id: Schema.NullOr(AgentVersionId),
  cause: DeploymentCause,
  changed_at: Schema.DateTimeUtc,
  /** Who moved the pointer (null for a move recorded before the ledger kept actors). */
  actor: Schema.NullOr(Actor),
  /** The run whose registration moved it (cause `run`), else null. */
  agent_instance_id: Schema.NullOr(InstanceId)
}) {}

/** Who moves a pointer: the actor, and the run when a run's registration moves it. */
export interface MovedBy {
  readonly actor: Actor
  readonly agent_instance_id: InstanceId | null
}

export interface PointerMove {
  readonly deployment: Deployment
  /** None when the pointer already named the version: nothing moved, nothing to record. */
  readonly entry: Option.Option<DeploymentHistoryEntry>
}

/** Points a deployment at a version of its own agent (or at none). */
export const movePointer = (
  deployment: Deployment,
  to: AgentVersion | null,
  cause: DeploymentCause,
  now: DateTime.Utc,
  by: MovedBy
): Either.Either<PointerMove, InvalidInput> => {
  if (to !== null && to.agent_id !== deployment.agent_id) {
    return Either.left(InvalidInput.field("current_version_id", "must be a version of the deployment's agent"))
  }
  const toId = to?.id ?? null
  if (toId === deployment.current_version_id) return Either.right({ deployment, entry: Option.none() })
  return Either.right({
    deployment: new Deployment({ ...deployment, current_version_id: toId, updated_at: now }, true),
    entry: Option.some(
      new DeploymentHistoryEntry({
        account_id: deployment.account_id,
        agent_deployment_id: deployment.id,
        from_version_id: deployment.current_version_id,
        to_version_id: toId,
        cause,
        changed_at: now,
        actor: by.actor,
        agent_instance_id: by.agent_instance_id
      }, true)
    )
  })
}

/** Rollback: back to a version of the same agent created before the one in place. */
export const rollback = (
  deployment: Deployment,
  current: AgentVersion | null,
  target: AgentVersion,
  now: DateTime.Utc,
  by: MovedBy
): Either.Either<PointerMove, InvalidInput | InvalidAction> => {
  if (current === null) {
    return Either.left(new InvalidAction({ entity: "agent_deployment", id: deployment.id, action: "roll back", status: "pointing at no version" }))
  }
  if (target.agent_id === deployment.agent_id && target.sequence >= current.sequence) {
    return Either.left(InvalidInput.field("version_id", "a rollback goes to a version created before the current one"))
  }
  return movePointer(deployment, target, "rollback", now, by)
}

/** A deployment stamped on runs is kept: deleting it would orphan their history. */
export const checkDeletable = (deployment: Deployment, instances: number): Either.Either<void, Conflict> =>
  instances === 0
    ? Either.void
    : Either.left(new Conflict({ message: `deployment ${deployment.id} is stamped on ${instances} instance(s); it cannot be deleted` }))

/** One deployment per (agent, environment), ever. */
export const checkUnique = (existing: Option.Option<Deployment>): Either.Either<void, Conflict> =>
  Option.isNone(existing)
    ? Either.void
    : Either.left(new Conflict({
      message: `agent ${existing.value.agent_id} already has deployment ${existing.value.id} in that environment`
    }))

/** A deployment currently pointing at a version, as a version's `current_agent_deployment_refs` lists it. */
export const DeploymentRef = Schema.Struct({ agent_deployment_id: DeploymentId, environment_id: EnvironmentId })
  .annotations({ identifier: "DeploymentRef" })
export type DeploymentRef = typeof DeploymentRef.Type

/** The deployments whose current version satisfies `isCurrent`: a version, or every version of one schema version. */
export const currentRefs = (
  deployments: ReadonlyArray<Deployment>,
  isCurrent: (versionId: AgentVersionId) => boolean
): ReadonlyArray<DeploymentRef> =>
  deployments.flatMap((deployment) =>
    deployment.current_version_id !== null && isCurrent(deployment.current_version_id)
      ? [{ agent_deployment_id: deployment.id, environment_id: deployment.environment_id }]
      : []
  )

/**
 * The version a run registered with `version: "deployment"` runs: the one the deployment points
 * at, when there is a deployment and it points at one; otherwise none (the run reports its own).
 */
export const currentVersionOf = (deployment: Deployment | null): AgentVersionId | null => deployment?.current_version_id ?? null
