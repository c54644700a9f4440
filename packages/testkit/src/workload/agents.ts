/**
 * Agents: external identifiers unique per account; a retired agent is not edited; retire and
 * reinstate follow the agent's state machine; an agent with runs or deployments is not deleted.
 */
import type { Commands } from "@agentledger/domain"
import { equal } from "../invariants/checks.js"
import { at } from "../model.js"
import { type Handler, type Handlers, nothing, perform } from "./plan.js"

const createAgent: Handler<"CreateAgent"> = (ctx, account, op) => {
  const profile = op.profile === null ? undefined : at(account.profiles.filter((p) => !p.deleted), op.profile)
  const errors: Array<string> = []
  if (op.externalIdentifier !== null && account.agents.some((a) => a.externalIdentifier === op.externalIdentifier)) errors.push("Conflict")
  const input: Commands.CreateAgent = {
    name: op.name,
    ...(op.externalIdentifier === null ? {} : { external_identifier: op.externalIdentifier }),
    ...(profile === undefined ? {} : { risk_profile_id: profile.id })
  }
  return perform(ctx, account, op.keyed, {
    invariant: "behaviour",
    name: "createAgent",
    errors,
    call: (options) => account.session.createAgent(input, options),
    update: (created) => {
      equal(ctx, "behaviour", "new agent", {
        name: created.name,
        status: created.status,
        external_identifier: created.external_identifier,
        risk_profile_id: created.risk_profile_id
      }, { name: op.name.trim(), status: "pending", external_identifier: op.externalIdentifier, risk_profile_id: profile?.id ?? null })
      account.agents.push({
        id: created.id,
        name: created.name,
        externalIdentifier: op.externalIdentifier,
        status: "pending",
        ran: false,
        profile: profile?.id ?? null,
        schemaVersions: new Map(),
        versions: new Map()
      })
    }
  })
}

const updateAgent: Handler<"UpdateAgent"> = (ctx, account, op) => {
  const agent = at(account.agents, op.agent)
  if (agent === undefined) return nothing
  const profile = typeof op.profile === "number" ? at(account.profiles, op.profile) : undefined
  const errors: Array<string> = []
  if (agent.status === "retired") errors.push("InvalidAction")
  if (profile?.deleted === true) errors.push("InvalidInput")
  const input: Commands.UpdateAgent = {
    ...(op.name === null ? {} : { name: op.name }),
    ...(op.profile === "clear" ? { risk_profile_id: null } : profile === undefined ? {} : { risk_profile_id: profile.id })
  }
  return perform(ctx, account, op.keyed, {
    invariant: "behaviour",
    name: "updateAgent",
    errors,
    call: (options) => account.session.updateAgent(agent.id, input, options),
    update: (updated) => {
      if (op.name !== null) agent.name = op.name.trim()
      if (op.profile === "clear") agent.profile = null
      else if (profile !== undefined) agent.profile = profile.id
      equal(ctx, "behaviour", "updated agent", { name: updated.name, risk_profile_id: updated.risk_profile_id }, {
        name: agent.name,
        risk_profile_id: agent.profile
      })
    }
  })
}

const retireOrReinstate: Handler<"RetireAgent" | "ReinstateAgent"> = (ctx, account, op) => {
  const agent = at(account.agents, op.agent)
  if (agent === undefined) return nothing
  const retiring = op._tag === "RetireAgent"
  const refused = retiring ? agent.status === "retired" : agent.status !== "retired"
  return perform(ctx, account, op.keyed, {
    invariant: "behaviour",
    name: retiring ? "retireAgent" : "reinstateAgent",
    errors: refused ? ["InvalidAction"] : [],
    call: (options) => (retiring ? account.session.retireAgent(agent.id, options) : account.session.reinstateAgent(agent.id, options)),
    update: (done) => {
      agent.status = retiring ? "retired" : agent.ran ? "active" : "pending"
      equal(ctx, "behaviour", `status after ${retiring ? "retire" : "reinstate"}`, done.status, agent.status)
    }
  })
}

const deleteAgent: Handler<"DeleteAgent"> = (ctx, account, op) => {
  const agent = at(account.agents, op.agent)
  if (agent === undefined) return nothing
  const used = account.instances.some((i) => i.agent === agent.id) || account.deployments.some((d) => d.agent === agent.id)
  return perform(ctx, account, op.keyed, {
    invariant: "behaviour",
    name: "deleteAgent",
    errors: used ? ["Conflict"] : [],
    call: (options) => account.session.deleteAgent(agent.id, options),
    update: () => {
      account.agents.splice(account.agents.indexOf(agent), 1)
    }
  })
}

export const agentHandlers = {
  CreateAgent: createAgent,
  UpdateAgent: updateAgent,
  RetireAgent: retireOrReinstate,
  ReinstateAgent: retireOrReinstate,
  DeleteAgent: deleteAgent
} satisfies Partial<Handlers>
