/**
 * Deployments (invariant 2): one per (agent, environment); the pointer names a version of the
 * deployment's own agent; a rollback goes to an earlier version; every move is in the history;
 * a deployment with runs is not deleted, and its tokens are revoked with it.
 */
import type { Commands, Ids } from "@agentledger/domain"
import { equal } from "../invariants/checks.js"
import { at, type MAccount, type MAgent, type MDeployment, type RunState } from "../model.js"
import type { VersionRef } from "../ops.js"
import { type Handler, type Handlers, nothing, perform, versionsOf } from "./plan.js"

interface VersionOfAgent {
  readonly id: Ids.AgentVersionId
  readonly agent: Ids.AgentId
  readonly sequence: number
}

/** The version a deployment operation names, with its agent. */
const resolveVersion = (account: MAccount, agent: MAgent, ref: VersionRef): VersionOfAgent | null => {
  if (ref.kind === "none") return null
  if (ref.kind === "own") {
    const version = at(versionsOf(agent), ref.pick)
    return version === undefined ? null : { id: version.id, agent: agent.id, sequence: version.sequence }
  }
  const others = account.agents.filter((a) => a !== agent).flatMap((a) => versionsOf(a).map((v) => ({ id: v.id, agent: a.id, sequence: v.sequence })))
  return at(others, ref.pick) ?? null
}

/** Moves the model's pointer, recording the move in the history (no move, no entry). */
export const movePointer = (deployment: MDeployment, to: Ids.AgentVersionId | null, cause: "run" | "api" | "rollback"): void => {
  if (deployment.current === to) return
  deployment.history.push({ from_version_id: deployment.current, to_version_id: to, cause })
  deployment.current = to
}

const checkDeployment = (
  ctx: RunState,
  model: MDeployment,
  details: {
    readonly deployment: { readonly current_version_id: string | null; readonly agent_id: string; readonly environment_id: string }
    readonly history: ReadonlyArray<{ readonly from_version_id: string | null; readonly to_version_id: string | null; readonly cause: string }>
  }
): void => {
  equal(ctx, "deployments", `deployment ${model.id} as answered`, {
    agent_id: details.deployment.agent_id,
    environment_id: details.deployment.environment_id,
    current_version_id: details.deployment.current_version_id,
    history: details.history.map((h) => ({ from_version_id: h.from_version_id, to_version_id: h.to_version_id, cause: h.cause }))
  }, { agent_id: model.agent, environment_id: model.environment, current_version_id: model.current, history: model.history })
}

const createDeployment: Handler<"CreateDeployment"> = (ctx, account, op) => {
  const agent = at(account.agents, op.agent)
  const environment = at(account.environments, op.environment)
  if (agent === undefined || environment === undefined) return nothing
  const version = resolveVersion(account, agent, op.version)
  const errors: Array<string> = []
  if (account.deployments.some((d) => d.agent === agent.id && d.environment === environment.id)) errors.push("Conflict")
  if (version !== null && version.agent !== agent.id) errors.push("InvalidInput")
  const input: Commands.CreateDeployment = {
    agent_id: agent.id,
    environment_id: environment.id,
    ...(version === null ? {} : { current_version_id: version.id })
  }
  return perform(ctx, account, op.keyed, {
    invariant: "deployments",
    name: "createDeployment",
    errors,
    call: (options) => account.session.createDeployment(input, options),
    update: (created) => {
      const deployment: MDeployment = {
        id: created.deployment.id,
        agent: agent.id,
        environment: environment.id,
        current: version?.id ?? null,
        history: version === null ? [] : [{ from_version_id: null, to_version_id: version.id, cause: "api" }]
      }
      checkDeployment(ctx, deployment, created)
      account.deployments.push(deployment)
    }
  })
}

const updateDeployment: Handler<"UpdateDeployment"> = (ctx, account, op) => {
  const deployment = at(account.deployments, op.deployment)
  if (deployment === undefined) return nothing
  const agent = account.agents.find((a) => a.id === deployment.agent)
  if (agent === undefined) return nothing
  const version = resolveVersion(account, agent, op.version)
  return perform(ctx, account, op.keyed, {
    invariant: "deployments",
    name: "updateDeployment",
    errors: version !== null && version.agent !== agent.id ? ["InvalidInput"] : [],
    call: (options) => account.session.updateDeployment(deployment.id, { current_version_id: version?.id ?? null }, options),
    update: (updated) => {
      movePointer(deployment, version?.id ?? null, "api")
      checkDeployment(ctx, deployment, updated)
    }
  })
}

const rollbackDeployment: Handler<"RollbackDeployment"> = (ctx, account, op) => {
  const deployment = at(account.deployments, op.deployment)
  if (deployment === undefined) return nothing
  const agent = account.agents.find((a) => a.id === deployment.agent)
  if (agent === undefined) return nothing
  const current = versionsOf(agent).find((v) => v.id === deployment.current)
  // `none` asks for a proper rollback: a version of the agent older than the current one.
  const earlier = current === undefined ? [] : versionsOf(agent).filter((v) => v.sequence < current.sequence)
  const target = op.version.kind === "none"
    ? at(earlier.map((v) => ({ id: v.id, agent: agent.id, sequence: v.sequence })), op.deployment) ?? resolveVersion(account, agent, { kind: "own", pick: 0 })
    : resolveVersion(account, agent, op.version)
  if (target === null) return nothing
  const errors: Array<string> = []
  if (deployment.current === null) errors.push("InvalidAction")
  if (target.agent !== agent.id) errors.push("InvalidInput")
  else if (current !== undefined && target.sequence >= current.sequence) errors.push("InvalidInput")
  return perform(ctx, account, op.keyed, {
    invariant: "deployments",
    name: "rollbackDeployment",
    errors,
    call: (options) => account.session.rollbackDeployment(deployment.id, { version_id: target.id }, options),
    update: (rolled) => {
      movePointer(deployment, target.id, "rollback")
      checkDeployment(ctx, deployment, rolled)
    }
  })
}

const deleteDeployment: Handler<"DeleteDeployment"> = (ctx, account, op) => {
  const deployment = at(account.deployments, op.deployment)
  if (deployment === undefined) return nothing
  const used = account.instances.some((i) => i.deployment === deployment.id)
  return perform(ctx, account, op.keyed, {
    invariant: "deployments",
    name: "deleteDeployment",
    errors: used ? ["Conflict"] : [],
    call: (options) => account.session.deleteDeployment(deployment.id, options),
    update: () => {
      account.deployments.splice(account.deployments.indexOf(deployment), 1)
      account.deploymentSessions.delete(deployment.id)
      // Its tokens are revoked with it.
      for (const token of account.tokens) {
        if (token.deployment === deployment.id && token.status !== "revoked") token.status = "revoked"
      }
    }
  })
}

export const deploymentHandlers = {
  CreateDeployment: createDeployment,
  UpdateDeployment: updateDeployment,
  RollbackDeployment: rollbackDeployment,
  DeleteDeployment: deleteDeployment
} satisfies Partial<Handlers>
