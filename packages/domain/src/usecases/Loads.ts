/**
 * Reading the records a use case decides on: each by id, as its caller may see it. A record of
 * another account is not found (the store is scoped to the caller's); a run or span of another
 * agent is not found by a deployment token (`ApiToken.reaches`), so neither leaks existence.
 */
import { Effect, Option } from "effect"
import type { Agent } from "../Agent.js"
import type { AgentVersion } from "../AgentVersion.js"
import { type ApiToken, isShown, type Reach, reaches } from "../ApiToken.js"
import type { Deployment } from "../Deployment.js"
import type { Environment } from "../Environment.js"
import { Conflict, NotFound } from "../Errors.js"
import type * as Ids from "../Ids.js"
import type { Instance } from "../Instance.js"
import type { StoreTx, UniqueViolation } from "../LedgerStore.js"
import type { RiskProfile, RiskProfileRevision } from "../RiskProfile.js"
import type { SchemaVersion } from "../SchemaVersion.js"
import type { Span } from "../Span.js"

/** The value of a lookup, or `NotFound` for the entity and id asked for. */
export const found = <A>(entity: string, id: string) => (option: Option.Option<A>): Effect.Effect<A, NotFound> =>
  Option.isSome(option) ? Effect.succeed(option.value) : Effect.fail(new NotFound({ entity, id }))

/** A store's uniqueness refusal, as the use case reports it. */
export const conflictOn = (message: string) => (_: UniqueViolation) => new Conflict({ message })

/** Queries that want the total, or every row, of a list. */
export const justCount = { offset: 0, limit: 0, sort: { field: "id", direction: "asc" } } as const
export const everything = { offset: 0, limit: Number.MAX_SAFE_INTEGER, sort: { field: "id", direction: "asc" } } as const

/**
 * Reads a record, locks its parent, and reads the record again under that lock: the first read
 * only names the parent, the second is what a decision may trust (a change committed between
 * the two is seen, and none can land after it).
 */
export const underParentLock = <A, P, B, E1, E2, E3>(
  load: Effect.Effect<A, E1>,
  lockParent: (record: A) => Effect.Effect<P, E2>,
  reload: (record: A, parent: P) => Effect.Effect<B, E3>
): Effect.Effect<B, E1 | E2 | E3> => Effect.flatMap(load, (record) => Effect.flatMap(lockParent(record), (parent) => reload(record, parent)))

export interface Loads {
  readonly environment: (tx: StoreTx, id: Ids.EnvironmentId) => Effect.Effect<Environment, NotFound>
  readonly token: (tx: StoreTx, id: Ids.ApiTokenId) => Effect.Effect<ApiToken, NotFound>
  readonly agent: (tx: StoreTx, id: Ids.AgentId) => Effect.Effect<Agent, NotFound>
  /** The agent, held until the unit of work ends: what registers, deploys and edits an agent serialize on. */
  readonly lockAgent: (tx: StoreTx, id: Ids.AgentId) => Effect.Effect<Agent, NotFound>
  readonly version: (tx: StoreTx, id: Ids.AgentVersionId) => Effect.Effect<AgentVersion, NotFound>
  readonly schemaVersion: (tx: StoreTx, id: Ids.SchemaVersionId) => Effect.Effect<SchemaVersion, NotFound>
  readonly deployment: (tx: StoreTx, id: Ids.DeploymentId) => Effect.Effect<Deployment, NotFound>
  readonly profile: (tx: StoreTx, id: Ids.RiskProfileId) => Effect.Effect<RiskProfile, NotFound>
  readonly revision: (tx: StoreTx, id: Ids.RiskProfileRevisionId) => Effect.Effect<RiskProfileRevision, NotFound>
  readonly instance: (tx: StoreTx, id: Ids.InstanceId) => Effect.Effect<Instance, NotFound>
  /** The run, held until the unit of work ends: every run transition and span serializes on it. */
  readonly lockInstance: (tx: StoreTx, id: Ids.InstanceId) => Effect.Effect<Instance, NotFound>
  readonly span: (tx: StoreTx, id: Ids.SpanId) => Effect.Effect<Span, NotFound>
  /** A record of an agent, if the caller may see it. */
  readonly visible: <A extends { readonly agent_id: Ids.AgentId; readonly id: string }>(entity: string) => (record: A) => Effect.Effect<A, NotFound>
}

/** The loads of a caller with this reach. */
export const make = (reach: Pick<Reach, "agent_id">): Loads => {
  const visible = <A extends { readonly agent_id: Ids.AgentId; readonly id: string }>(entity: string) =>
  (record: A): Effect.Effect<A, NotFound> =>
    reaches(reach, record) ? Effect.succeed(record) : Effect.fail(new NotFound({ entity, id: record.id }))
  return {
    environment: (tx, id) => tx.environments.get(id).pipe(Effect.flatMap(found("environment", id))),
    // A deleted token is kept, and found no more.
    token: (tx, id) => tx.tokens.get(id).pipe(Effect.map(Option.filter(isShown)), Effect.flatMap(found("api_token", id))),
    agent: (tx, id) => tx.agents.get(id).pipe(Effect.flatMap(found("agent", id))),
    lockAgent: (tx, id) => tx.agents.lock(id).pipe(Effect.flatMap(found("agent", id))),
    version: (tx, id) => tx.versions.get(id).pipe(Effect.flatMap(found("agent_version", id))),
    schemaVersion: (tx, id) => tx.schemaVersions.get(id).pipe(Effect.flatMap(found("agent_schema_version", id))),
    deployment: (tx, id) => tx.deployments.get(id).pipe(Effect.flatMap(found("agent_deployment", id))),
    profile: (tx, id) => tx.riskProfiles.get(id).pipe(Effect.flatMap(found("risk_profile", id))),
    revision: (tx, id) => tx.riskProfiles.getRevision(id).pipe(Effect.flatMap(found("risk_profile_revision", id))),
    instance: (tx, id) => tx.instances.get(id).pipe(Effect.flatMap(found("agent_instance", id)), Effect.flatMap(visible("agent_instance"))),
    lockInstance: (tx, id) =>
      tx.instances.lock(id).pipe(Effect.flatMap(found("agent_instance", id)), Effect.flatMap(visible("agent_instance"))),
    span: (tx, id) => tx.spans.get(id).pipe(Effect.flatMap(found("agent_span", id)), Effect.flatMap(visible("agent_span"))),
    visible
  }
}
