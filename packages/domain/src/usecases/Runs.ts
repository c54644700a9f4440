/**
 * The run use cases: register a run, start it, finish it, terminate it. Registering stamps the
 * run with what it runs — the agent's schema version and version for what it reported (each
 * created the first time it is seen), its environment's deployment (pointed at that version
 * unless the call says not to), the profile revision it is scored with — under the agent's lock,
 * so concurrent first runs create each record once; with `version: "deployment"` the run runs
 * the version its deployment points at instead, when it points at one. Every later transition
 * holds the run's lock.
 *
 * A registration stamps the run with who reported it (`Reporter`), as the adapter that received
 * it says; it is not part of the request a key's record fingerprints, so a retry through another
 * SDK replays the first registration.
 *
 * Registering, starting and finishing a run are ingest (`Mutation.ingest`): the audit log does not
 * repeat the ledger. A registration that creates a deployment or moves its pointer records that
 * change, by the registering token, as the last step of its unit of work.
 */
import { type DateTime, Effect, type Either, Option } from "effect"
import * as ActivitySchema from "../ActivitySchema.js"
import * as Agent from "../Agent.js"
import * as AgentVersion from "../AgentVersion.js"
import * as ApiToken from "../ApiToken.js"
import * as Audit from "../Audit.js"
import type * as Commands from "../Commands.js"
import * as Deployment from "../Deployment.js"
import type { InvalidAction, InvalidInput } from "../Errors.js"
import * as Ids from "../Ids.js"
import * as Instance from "../Instance.js"
import { DeploymentDetails, type LedgerSession } from "../Ledger.js"
import type { StoreTx } from "../LedgerStore.js"
import type * as OutsideWork from "../OutsideWork.js"
import * as Reporter from "../Reporter.js"
import * as RiskProfile from "../RiskProfile.js"
import * as SchemaVersion from "../SchemaVersion.js"
import * as Span from "../Span.js"
import { appendEvent, recorded } from "./AuditTrail.js"
import { details, move } from "./Deployments.js"
import { conflictOn, found } from "./Loads.js"
import type { Session } from "./Session.js"
import { fromEither } from "./Shared.js"
import { useCase } from "./Tracing.js"

type RunUseCases = Pick<LedgerSession, "registerRun" | "startRun" | "finishRun" | "terminateRun">

/** The run a run's answer is about (a key's record goes when the run is erased). */
const runOf = (instance: Instance.Instance): ReadonlyArray<Ids.InstanceId> => [instance.id]

export const make = ({ account, load, principal, shared, work }: Session): RunUseCases => {
  const { newId, now, outside } = shared
  const actor = Audit.ofToken(principal)

  // The steps of a register are generators its own `Effect.gen` delegates to (`yield*`): one
  // effect for the whole register, not one more per step.

  /** The agent's schema version of this schema: the one with its fingerprint, or the next one. */
  const schemaVersionOf = function*(
    tx: StoreTx,
    agent: Ids.AgentId,
    schema: ActivitySchema.ActivitySchema,
    answers: OutsideWork.Answers,
    at: DateTime.Utc
  ) {
    const fingerprint = ActivitySchema.schemaFingerprint(schema)
    const existing = yield* tx.schemaVersions.byFingerprint(agent, fingerprint)
    if (Option.isSome(existing)) return existing.value
    const id = newId(Ids.SchemaVersionId, account, at)
    const sequence = (yield* tx.schemaVersions.lastSequence(agent)) + 1
    // Compiled outside the unit of work (`OutsideWork`): its definitions' checks are kept.
    const { checks } = yield* outside.compiled(answers, fingerprint, () => schema)
    const created = SchemaVersion.create(
      { id, account_id: account, agent_id: agent, sequence, schema, definition_checks: checks, fingerprint },
      at
    )
    yield* tx.schemaVersions.insert(created).pipe(Effect.mapError(conflictOn("a concurrent run created that schema version; retry")))
    return created
  }

  /** The agent's version of this metadata on this schema version: the one with its fingerprint, or the next one. */
  const versionOf = function*(
    tx: StoreTx,
    agent: Ids.AgentId,
    metadata: AgentVersion.VersionMetadataInput,
    schemaVersion: SchemaVersion.SchemaVersion,
    at: DateTime.Utc
  ) {
    const runtime = AgentVersion.normalizeRuntime(metadata.runtime_environment)
    const fingerprint = AgentVersion.versionFingerprint({
      external_identifier: metadata.external_identifier ?? null,
      schema_fingerprint: schemaVersion.fingerprint,
      runtime_environment: runtime
    })
    const existing = yield* tx.versions.byFingerprint(agent, fingerprint)
    if (Option.isSome(existing)) return existing.value
    const id = newId(Ids.AgentVersionId, account, at)
    const sequence = (yield* tx.versions.lastSequence(agent)) + 1
    const created = AgentVersion.create({
      id,
      account_id: account,
      agent_id: agent,
      sequence,
      metadata,
      agent_schema_version_id: schemaVersion.id,
      runtime_environment: runtime,
      fingerprint
    }, at)
    yield* tx.versions.insert(created).pipe(Effect.mapError(conflictOn("a concurrent run created that version; retry")))
    return created
  }

  /**
   * The deployment of the run's agent in its environment, if any; when the run updates the
   * current version, created if missing and pointed at the run's version. With it, the audit
   * entry of what the run changed of it (null when nothing).
   */
  const deploymentOf = function*(
    tx: StoreTx,
    target: ApiToken.RunTarget,
    version: AgentVersion.AgentVersion,
    run: Ids.InstanceId,
    updateCurrent: boolean,
    at: DateTime.Utc
  ) {
    const existing = Option.getOrNull(yield* tx.deployments.for(target.agent_id, target.environment_id))
    if (!updateCurrent) return { deployment: existing, change: null }
    const deployment = existing ?? Deployment.create({ id: newId(Ids.DeploymentId, account, at), account_id: account, ...target }, at)
    if (existing === null) {
      yield* tx.deployments.insert(deployment).pipe(Effect.mapError(conflictOn("a concurrent run created that deployment; retry")))
    }
    const moved = yield* fromEither(Deployment.movePointer(deployment, version, "run", at, { actor, agent_instance_id: run }))
    if (Option.isNone(moved.entry)) return { deployment, change: null }
    const before = existing === null ? null : yield* details(tx, existing)
    const after = yield* details(tx, yield* move(tx, moved))
    const change: Audit.AuditEntry = {
      actor,
      action: existing === null ? "agent_deployment.create" : "agent_deployment.update",
      entity: "agent_deployment",
      entity_id: deployment.id,
      before: before === null ? null : yield* recorded(DeploymentDetails, before),
      after: yield* recorded(DeploymentDetails, after)
    }
    return { deployment: after.deployment, change }
  }

  /**
   * The version and schema version the run's deployment points at (`Deployment.currentVersionOf`),
   * or null when it points at none.
   */
  const currentOf = function*(tx: StoreTx, target: ApiToken.RunTarget) {
    const deployment = Option.getOrNull(yield* tx.deployments.for(target.agent_id, target.environment_id))
    const current = Deployment.currentVersionOf(deployment)
    if (current === null) return null
    const version = yield* tx.versions.get(current).pipe(Effect.flatMap(found("agent_version", current)), Effect.orDie)
    const schemaVersion = yield* tx.schemaVersions.get(version.agent_schema_version_id).pipe(
      Effect.flatMap(found("agent_schema_version", version.agent_schema_version_id)),
      Effect.orDie
    )
    return { version, schemaVersion }
  }

  /** The revision of the agent's profile in force: what the run is scored with (none without a live profile). */
  const revisionOf = (tx: StoreTx, agent: Agent.Agent) =>
    agent.risk_profile_id === null
      ? Effect.succeed(null)
      : Effect.map(tx.riskProfiles.get(agent.risk_profile_id), (profile) =>
        Option.getOrNull(Option.flatMap(profile, RiskProfile.activeRevision)))

  /** Moves a run, under its lock, as `decide` says; a decision that changes nothing writes nothing. */
  const moveRun = (
    operation: string,
    id: Ids.InstanceId,
    input: Commands.StartRun | Commands.FinishRun,
    options: Commands.MutationOptions | undefined,
    decide: (instance: Instance.Instance, at: DateTime.Utc) => Either.Either<Instance.Instance, InvalidAction | InvalidInput>
  ) =>
    work.mutate({ operation, request: { id, input }, answer: Instance.Instance, options, callers: "any token", ingest: true, runs: runOf }, (tx) =>
      Effect.gen(function*() {
        const instance = yield* load.lockInstance(tx, id)
        const next = yield* fromEither(decide(instance, yield* now))
        if (next !== instance) yield* tx.instances.update(next)
        return next
      }))

  return {
    registerRun: useCase("Ledger.registerRun", (input, options) =>
      outside.settle((answers) =>
        work.mutate({ operation: "agent_instance.register", request: input, answer: Instance.Instance, options, callers: "any token", ingest: true, runs: runOf }, (tx) =>
          Effect.gen(function*() {
            const at = yield* now
            const target = yield* fromEither(ApiToken.runTarget(principal, input))
            const schema = yield* fromEither(ActivitySchema.normalize(input.agent_schema_version ?? {}))
            const id = yield* shared.chooseId(Ids.InstanceId, account, at, input.id)
            // The agent's lock serializes concurrent first runs: one schema version, one version.
            const agent = yield* load.lockAgent(tx, target.agent_id)
            yield* load.environment(tx, target.environment_id)
            const active = yield* fromEither(Agent.recordRun(agent, at))
            const current = options?.version === "deployment" ? yield* currentOf(tx, target) : null
            const schemaVersion = current?.schemaVersion ?? (yield* schemaVersionOf(tx, target.agent_id, schema, answers, at))
            const version = current?.version ?? (yield* versionOf(tx, target.agent_id, input.agent_version ?? {}, schemaVersion, at))
            const { change, deployment } = yield* deploymentOf(tx, target, version, id, input.update_current_version, at)
            const instance = Instance.register({
              id,
              account_id: account,
              ...target,
              agent_version_id: version.id,
              agent_schema_version_id: schemaVersion.id,
              agent_deployment_id: deployment?.id ?? null,
              purpose: input.purpose,
              risk_profile_revision_id: yield* revisionOf(tx, agent),
              reported_by: Reporter.reportedBy(options?.reportedBy)
            }, at)
            yield* tx.instances.insert(instance).pipe(Effect.mapError(conflictOn(`an instance with id ${id} exists`)))
            yield* tx.agents.update(active)
            // Last: the audit log's lock is the last a unit of work takes.
            if (change !== null) yield* appendEvent(shared, tx, change)
            return instance
          })))),

    startRun: useCase("Ledger.startRun", (id, input, options) =>
      moveRun("agent_instance.start", id, input, options, (instance, at) => Instance.start(instance, input.timestamp ?? at, at))),

    finishRun: useCase("Ledger.finishRun", (id, input, options) =>
      moveRun("agent_instance.finish", id, input, options, (instance, at) =>
        Instance.finish(instance, input.status, input.timestamp ?? at, at))),

    terminateRun: useCase("Ledger.terminateRun", (id, input, options) =>
      work.mutate({ operation: "agent_instance.terminate", request: { id, input }, answer: Instance.Instance, options, subject: (run) => run.id, runs: runOf }, (tx, trail) =>
        Effect.gen(function*() {
          const at = yield* now
          const instance = yield* load.lockInstance(tx, id)
          yield* trail.before(Instance.Instance, instance)
          const terminated = yield* fromEither(Instance.terminate(instance, input.reason, at))
          const closed = Span.terminateOpenSpans(terminated, yield* tx.spans.open(id), at)
          yield* tx.spans.update(closed.spans)
          yield* tx.instances.update(closed.instance)
          return closed.instance
        })))
  }
}
