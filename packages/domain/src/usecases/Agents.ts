/**
 * The agent use cases: create, read, find by external identifier, list, edit, retire, reinstate
 * and delete agents, and the usages a page of agents shows. An agent is read with its effective
 * status (`Agent.withEffectiveStatus`: `dormant` is derived, never stored).
 */
import { type DateTime, Effect, type Either } from "effect"
import * as Agent from "../Agent.js"
import type { MutationOptions } from "../Commands.js"
import { type InvalidAction, NotFound } from "../Errors.js"
import * as Ids from "../Ids.js"
import { unstorableReason } from "../Json.js"
import type { LedgerSession } from "../Ledger.js"
import { sortFields, type StoreTx } from "../LedgerStore.js"
import * as RiskProfile from "../RiskProfile.js"
import * as Usage from "../Usage.js"
import { inPages, list } from "./Listing.js"
import { conflictOn, found, justCount, type Loads } from "./Loads.js"
import type { Session } from "./Session.js"
import { fromEither } from "./Shared.js"
import { useCase } from "./Tracing.js"

type AgentUseCases = Pick<
  LedgerSession,
  | "createAgent"
  | "getAgent"
  | "findAgentByExternalIdentifier"
  | "listAgents"
  | "updateAgent"
  | "retireAgent"
  | "reinstateAgent"
  | "deleteAgent"
  | "agentUsage"
>

/** Fails unless the profile is one of the account's that an agent may be given. */
const checkAssignable = (load: Loads, tx: StoreTx, id: Ids.RiskProfileId) =>
  Effect.flatMap(load.profile(tx, id), (profile) => fromEither(RiskProfile.checkAssignable(profile)))

/** The audit log's id of an agent a mutation answers. */
const subject = (agent: Agent.Agent) => agent.id

export const make = ({ account, load, shared, work }: Session): AgentUseCases => {
  /** A use case that moves an agent, under its lock, from one status to another, as `decide` says. */
  const transition = (
    name: string,
    operation: string,
    decide: (agent: Agent.Agent, at: DateTime.Utc) => Either.Either<Agent.Agent, InvalidAction>
  ) =>
    useCase(name, (id: Ids.AgentId, options?: MutationOptions) =>
      work.mutate({ operation, request: { id }, answer: Agent.Agent, options, subject }, (tx, trail) =>
        Effect.gen(function*() {
          const at = yield* shared.now
          const agent = yield* load.lockAgent(tx, id)
          yield* trail.before(Agent.Agent, Agent.withEffectiveStatus(agent, at))
          const next = yield* fromEither(decide(agent, at))
          yield* tx.agents.update(next)
          return Agent.withEffectiveStatus(next, at)
        })))

  return {
    createAgent: useCase("Ledger.createAgent", (input, options) =>
      work.mutate({ operation: "agent.create", request: input, answer: Agent.Agent, options, subject }, (tx) =>
        Effect.gen(function*() {
          const at = yield* shared.now
          const name = yield* fromEither(Agent.validateAgentName(input.name))
          const externalIdentifier = input.external_identifier ?? null
          if (externalIdentifier !== null) {
            yield* fromEither(Agent.validateExternalIdentifier(externalIdentifier))
            const taken = yield* tx.agents.byExternalIdentifier(externalIdentifier)
            yield* fromEither(Agent.checkExternalIdentifierFree(taken, externalIdentifier))
          }
          const profile = input.risk_profile_id ?? null
          if (profile !== null) yield* checkAssignable(load, tx, profile)
          const agent = Agent.create({
            id: yield* shared.chooseId(Ids.AgentId, account, at, input.id),
            account_id: account,
            name,
            description: input.description,
            external_identifier: externalIdentifier,
            risk_profile_id: profile
          }, at)
          yield* tx.agents.insert(agent).pipe(Effect.mapError(conflictOn("that agent exists")))
          return agent
        }))),

    getAgent: useCase("Ledger.getAgent", (id) =>
      work.read((tx) => load.agent(tx, id)).pipe(Effect.zipWith(shared.now, Agent.withEffectiveStatus))),

    findAgentByExternalIdentifier: useCase("Ledger.findAgentByExternalIdentifier", (externalIdentifier) =>
      work.read((tx) =>
        // No agent holds text a store cannot keep: such an identifier is simply not found.
        unstorableReason(externalIdentifier) === null
          ? tx.agents.byExternalIdentifier(externalIdentifier).pipe(Effect.flatMap(found("agent", externalIdentifier)))
          : Effect.fail(new NotFound({ entity: "agent", id: externalIdentifier }))
      ).pipe(Effect.zipWith(shared.now, Agent.withEffectiveStatus))),

    listAgents: useCase("Ledger.listAgents", (request) =>
      work.read((tx) => list(request, sortFields.agent, "-id", (query) => tx.agents.list({ risk_profile_id: request.risk_profile_id }, query))).pipe(
        Effect.zipWith(shared.now, (page, at) => ({ ...page, items: page.items.map((agent) => Agent.withEffectiveStatus(agent, at)) }))
      )),

    updateAgent: useCase("Ledger.updateAgent", (id, input, options) =>
      work.mutate({ operation: "agent.update", request: { id, input }, answer: Agent.Agent, options, subject }, (tx, trail) =>
        Effect.gen(function*() {
          const at = yield* shared.now
          const agent = yield* load.lockAgent(tx, id)
          yield* trail.before(Agent.Agent, Agent.withEffectiveStatus(agent, at))
          const next = yield* fromEither(Agent.update(agent, input, at))
          if (input.risk_profile_id !== undefined && input.risk_profile_id !== null) yield* checkAssignable(load, tx, input.risk_profile_id)
          yield* tx.agents.update(next)
          return Agent.withEffectiveStatus(next, at)
        }))),

    retireAgent: transition("Ledger.retireAgent", "agent.retire", Agent.retire),
    reinstateAgent: transition("Ledger.reinstateAgent", "agent.reinstate", Agent.reinstate),

    deleteAgent: useCase("Ledger.deleteAgent", (id, options) =>
      work.mutate({ operation: "agent.delete", request: { id }, answer: Agent.Agent, options, subject, removes: true }, (tx) =>
        Effect.gen(function*() {
          const agent = yield* load.lockAgent(tx, id)
          const instances = yield* tx.agents.instanceCount(id)
          const deployments = (yield* tx.deployments.list({ agent_id: id }, justCount)).total
          yield* fromEither(Agent.checkDeletable(agent, { instances, deployments }))
          yield* tx.agents.remove(id)
          return agent
        }))),

    agentUsage: useCase("Ledger.agentUsage", (records) =>
      work.read((tx) =>
        inPages(records, (agents) => {
          const ids = agents.map((agent) => agent.id)
          // Two aggregates for the whole page, at once: one round trip on a database.
          return Effect.map(
            Effect.all([tx.agents.instanceTallies(ids), tx.agents.deploymentTallies(ids)], { concurrency: 2 }),
            ([runs, deployments]) => Usage.agentUsages(agents, runs, deployments)
          )
        })
      ))
  }
}
