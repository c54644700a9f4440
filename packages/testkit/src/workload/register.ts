/**
 * Registering a run, with an account token or a deployment's: the same content reuses the schema
 * version and the version, new content makes new ones (invariant 3); the first run that moves the
 * pointer creates the deployment (invariant 2); the run is stamped with the risk profile revision
 * in force; a retired agent, a corrupt schema or a foreign client id is refused.
 */
import { type Commands, Ids, type Instance, type LedgerSession } from "@agentledger/domain"
import { Effect, Option } from "effect"
import { equal } from "../invariants/checks.js"
import { at, type MAccount, type MAgent, read, type RunState } from "../model.js"
import { referenceScore } from "../reference.js"
import {
  declaredTypes,
  renderSchema,
  renderVersion,
  type SchemaSpec,
  schemaContentKey,
  type VersionSpec,
  versionContentKey
} from "../specs.js"
import { movePointer } from "./deployments.js"
import { clientId, type Handler, type Handlers, type OpOf, otherAccount, perform, versionsOf } from "./plan.js"
import { deploymentSession } from "./tokens.js"

type RegisterRun = OpOf<"RegisterRun">

const registerRun: Handler<"RegisterRun"> = (ctx, account, op, workload) =>
  Effect.gen(function*() {
    const schema = at(workload.schemas, op.schema)
    const versionSpec = at(workload.versions, op.version)
    if (schema === undefined || versionSpec === undefined) return false
    let agent: MAgent | undefined
    let environmentId: Ids.EnvironmentId | undefined
    let session: LedgerSession = account.session
    if (op.via === "account") {
      agent = at(account.agents, op.agent)
      environmentId = at(account.environments, op.environment)?.id
    } else {
      const deployment = at(account.deployments, op.deployment)
      if (deployment === undefined) return false
      agent = account.agents.find((a) => a.id === deployment.agent)
      environmentId = deployment.environment
      const deploymentSessionOption = yield* deploymentSession(ctx, account, deployment)
      if (Option.isNone(deploymentSessionOption)) return true
      session = deploymentSessionOption.value
    }
    if (agent === undefined || environmentId === undefined) return false
    const target: Target = { agent, environmentId, schema, versionSpec }
    const chosen = op.clientId === "none"
      ? undefined
      : Ids.InstanceId.make(op.clientId === "own" ? clientId(ctx, account) : clientId(ctx, otherAccount(ctx, account, op.form) ?? account))
    const input: Commands.RegisterRun = {
      ...(op.via === "account" ? { agent_id: agent.id, environment_id: environmentId } : {}),
      ...(chosen === undefined ? {} : { id: chosen }),
      agent_version: renderVersion(versionSpec, op.display, op.form),
      agent_schema_version: renderSchema(schema, op.form, { corrupt: op.corrupt }),
      update_current_version: op.updateCurrentVersion,
      purpose: op.purpose
    }
    const errors: Array<string> = []
    if (op.corrupt) errors.push("InvalidInput")
    if (op.clientId === "foreign") errors.push("InvalidInput")
    if (agent.status === "retired") errors.push("InvalidAction")
    return yield* perform(ctx, account, op.keyed, {
      invariant: "fingerprints",
      name: "registerRun",
      label: `registerRun (${op.via} token)`,
      errors,
      call: (options) => session.registerRun(input, options),
      update: (instance) => recordRegistration(ctx, account, op, target, chosen, instance),
      // A deployment token may be revoked (with its deployment) before a retry: only account-token calls are replayed.
      retryable: op.via === "account"
    })
  })

/** What a registration names, resolved. */
interface Target {
  readonly agent: MAgent
  readonly environmentId: Ids.EnvironmentId
  readonly schema: SchemaSpec
  readonly versionSpec: VersionSpec
}

/** The model's update from a registered instance, with its checks. */
const recordRegistration = (
  ctx: RunState,
  account: MAccount,
  op: RegisterRun,
  target: Target,
  chosen: Ids.InstanceId | undefined,
  instance: Instance.Instance
): Effect.Effect<void> =>
  Effect.gen(function*() {
    const { agent, environmentId, schema } = target
    equal(ctx, "instances", "registered instance", {
      id: chosen === undefined ? "(minted)" : instance.id,
      account_id: instance.account_id,
      agent_id: instance.agent_id,
      environment_id: instance.environment_id,
      status: instance.status,
      purpose: instance.purpose
    }, { id: chosen ?? "(minted)", account_id: account.id, agent_id: agent.id, environment_id: environmentId, status: "pending", purpose: op.purpose })

    yield* recordFingerprints(ctx, account, op, target, instance)

    // The deployment: created on the first run with update_current_version, pointer moved.
    let deployment = account.deployments.find((d) => d.agent === agent.id && d.environment === environmentId)
    if (op.updateCurrentVersion) {
      if (deployment === undefined) {
        if (instance.agent_deployment_id === null || account.deployments.some((d) => d.id === instance.agent_deployment_id)) {
          ctx.violate("deployments", `the first run in an environment must create its deployment; the instance names ${instance.agent_deployment_id}`)
          return
        }
        deployment = { id: instance.agent_deployment_id, agent: agent.id, environment: environmentId, current: null, history: [] }
        account.deployments.push(deployment)
      }
      movePointer(deployment, instance.agent_version_id, "run")
    }
    if (instance.agent_deployment_id !== (deployment?.id ?? null)) {
      ctx.violate("deployments", `instance ${instance.id} is stamped with deployment ${instance.agent_deployment_id}, expected ${deployment?.id ?? null}`)
    }

    // The risk profile revision in force when the run registered.
    const profile = agent.profile === null ? undefined : account.profiles.find((p) => p.id === agent.profile)
    const scored = profile !== undefined && !profile.deleted ? profile : undefined
    const scores = new Map<string, number>()
    if (scored !== undefined) for (const type of schema.types) scores.set(type.name, referenceScore(type.data_risk, scored.rules))

    agent.status = "active"
    agent.ran = true
    account.instances.push({
      id: instance.id,
      agent: agent.id,
      version: instance.agent_version_id,
      schemaVersion: instance.agent_schema_version_id,
      environment: environmentId,
      deployment: deployment?.id ?? null,
      purpose: op.purpose,
      status: "pending",
      revision: scored?.currentRevision ?? null,
      thresholds: scored?.rules.thresholds ?? null,
      declared: declaredTypes(schema),
      scores,
      spans: [],
      total: 0,
      peak: "low",
      lowered: false
    })
  })

/** Invariant 3: the same content reuses the schema version and the version; new content makes new ones. */
const recordFingerprints = (
  ctx: RunState,
  account: MAccount,
  op: RegisterRun,
  { agent, schema, versionSpec }: Target,
  instance: Instance.Instance
): Effect.Effect<void> =>
  Effect.gen(function*() {
    const schemaKey = schemaContentKey(schema)
    const versionKey = versionContentKey(versionSpec, schemaKey)
    const knownSchema = agent.schemaVersions.get(schemaKey)
    if (knownSchema !== undefined) {
      if (instance.agent_schema_version_id !== knownSchema.id) {
        ctx.violate("fingerprints", `the same schema content registered again got schema version ${instance.agent_schema_version_id}, not ${knownSchema.id}`)
      }
    } else {
      if ([...agent.schemaVersions.values()].some((v) => v.id === instance.agent_schema_version_id)) {
        ctx.violate("fingerprints", `new schema content reused schema version ${instance.agent_schema_version_id} of other content`)
      }
      agent.schemaVersions.set(schemaKey, { id: instance.agent_schema_version_id, sequence: agent.schemaVersions.size + 1 })
    }
    const knownVersion = agent.versions.get(versionKey)
    if (knownVersion !== undefined) {
      if (instance.agent_version_id !== knownVersion.id) {
        ctx.violate("fingerprints", `the same version content registered again got version ${instance.agent_version_id}, not ${knownVersion.id}`)
      }
      return
    }
    if (versionsOf(agent).some((v) => v.id === instance.agent_version_id)) {
      ctx.violate("fingerprints", `new version content reused version ${instance.agent_version_id} of other content`)
    }
    const sequence = agent.versions.size + 1
    const schemaVersionId = agent.schemaVersions.get(schemaKey)?.id ?? instance.agent_schema_version_id
    agent.versions.set(versionKey, { id: instance.agent_version_id, sequence, schemaVersion: schemaVersionId })
    const version = yield* read(ctx, "fingerprints", `getVersion(${instance.agent_version_id})`, account.session.getVersion(instance.agent_version_id))
    if (Option.isNone(version)) return
    equal(ctx, "fingerprints", `new version ${version.value.id}`, {
      agent_id: version.value.agent_id,
      sequence: version.value.sequence,
      external_identifier: version.value.external_identifier,
      name: version.value.name,
      agent_schema_version_id: version.value.agent_schema_version_id,
      runtime_environment: version.value.runtime_environment
    }, {
      agent_id: agent.id,
      sequence,
      external_identifier: versionSpec.external_identifier,
      name: op.display.name,
      agent_schema_version_id: schemaVersionId,
      runtime_environment: {
        prefactor_sdk: versionSpec.prefactor_sdk === null ? null : [...versionSpec.prefactor_sdk].sort(),
        agent_sdk: versionSpec.agent_sdk === null ? null : [...versionSpec.agent_sdk].sort(),
        runtime: versionSpec.runtime,
        os: versionSpec.os
      }
    })
  })

export const registerHandlers = {
  RegisterRun: registerRun
} satisfies Partial<Handlers>
