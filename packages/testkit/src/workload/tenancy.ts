/**
 * Cross-account probes (invariant 1): an account naming a record of another account, in a read
 * or in a write, finds nothing; a list filtered by another account's record lists nothing; a
 * client id in another account's partition is refused.
 */
import { Ids, type LedgerSession } from "@agentledger/domain"
import { Effect, Option } from "effect"
import { at, attempt, failsWith, isTerminal, type MAccount, read, type RunState, spansOf, type Tagged } from "../model.js"
import type { Probe } from "../ops.js"
import { clientId, type Handler, type Handlers, nothing, otherAccount, versionsOf } from "./plan.js"

/** What a probe may name: the acting account's records and the other account's. */
interface Probing {
  readonly ctx: RunState
  readonly session: LedgerSession
  readonly label: string
  readonly account: MAccount
  readonly other: MAccount
  readonly pick: number
  /** Runs a call that must answer not-found. */
  readonly notFound: <A, E extends Tagged>(effect: Effect.Effect<A, E>) => Effect.Effect<boolean>
}

const theirs = ({ other, pick }: Probing) => ({
  agent: at(other.agents, pick),
  environment: at(other.environments, pick),
  instance: at(other.instances, pick),
  span: at(spansOf(other), pick),
  deployment: at(other.deployments, pick),
  profile: at(other.profiles, pick),
  token: at(other.tokens, pick),
  version: at(other.agents.flatMap(versionsOf), pick)
})

const mine = ({ account, pick }: Probing) => ({
  agent: at(account.agents.filter((a) => a.status !== "retired"), pick),
  environment: at(account.environments, pick),
  openInstance: at(account.instances.filter((i) => !isTerminal(i.status)), pick),
  deployment: at(account.deployments, pick)
})

/** The probe's call when every record it names exists; otherwise there is nothing to probe. */
const when = <T>(value: T | undefined, probe: (value: T) => Effect.Effect<boolean>): Effect.Effect<boolean> | undefined =>
  value === undefined ? undefined : probe(value)

const both = <A, B>(a: A | undefined, b: B | undefined): readonly [A, B] | undefined =>
  a === undefined || b === undefined ? undefined : [a, b]

const live = { agent_version: {}, agent_schema_version: {}, update_current_version: true, purpose: "live" } as const

/** A list filtered by another account's record: empty, or not-found. */
const listsNothing = <A, E extends Tagged>(
  p: Probing,
  name: string,
  what: string,
  list: Effect.Effect<{ readonly items: ReadonlyArray<A> }, E>,
  notFoundAllowed: boolean
): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    if (notFoundAllowed) {
      const listed = yield* Effect.either(list)
      if (listed._tag === "Right" && listed.right.items.length > 0) p.ctx.violate("tenancy", `${p.label}: ${name} returned ${listed.right.items.length} ${what}`)
      if (listed._tag === "Left" && listed.left._tag !== "NotFound") p.ctx.violate("tenancy", `${p.label}: ${name} answered ${listed.left._tag}`)
      return true
    }
    const listed = yield* read(p.ctx, "tenancy", p.label, list)
    if (Option.isSome(listed) && listed.value.items.length > 0) p.ctx.violate("tenancy", `${p.label}: ${name} returned ${listed.value.items.length} ${what}`)
    return true
  })

const probes: { readonly [P in Probe]: (p: Probing) => Effect.Effect<boolean> | undefined } = {
  getAgent: (p) => when(theirs(p).agent, (agent) => p.notFound(p.session.getAgent(agent.id))),
  getEnvironment: (p) => when(theirs(p).environment, (environment) => p.notFound(p.session.getEnvironment(environment.id))),
  getInstance: (p) => when(theirs(p).instance, (instance) => p.notFound(p.session.getInstance(instance.id))),
  getTimeline: (p) => when(theirs(p).instance, (instance) => p.notFound(p.session.getTimeline(instance.id))),
  getRiskReport: (p) => when(theirs(p).instance, (instance) => p.notFound(p.session.getRiskReport(instance.id))),
  getSpan: (p) => when(theirs(p).span, (span) => p.notFound(p.session.getSpan(span.id))),
  getVersion: (p) => when(theirs(p).version, (version) => p.notFound(p.session.getVersion(version.id))),
  getSchemaVersion: (p) => when(theirs(p).version, (version) => p.notFound(p.session.getSchemaVersion(version.schemaVersion))),
  getDeployment: (p) => when(theirs(p).deployment, (deployment) => p.notFound(p.session.getDeployment(deployment.id))),
  getRiskProfile: (p) => when(theirs(p).profile, (profile) => p.notFound(p.session.getRiskProfile(profile.id))),
  getToken: (p) => when(theirs(p).token, (token) => p.notFound(p.session.getToken(token.id))),
  listVersions: (p) =>
    when(theirs(p).agent, (agent) =>
      listsNothing(p, "listVersions", "version(s)", p.session.listVersions({ offset: 0, page_size: 100, agent_id: agent.id }), true)),
  listInstancesOfAgent: (p) =>
    when(theirs(p).agent, (agent) =>
      listsNothing(p, "listInstances", "instance(s)", p.session.listInstances({ offset: 0, page_size: 100, agent_id: agent.id }), false)),
  listSpansOfInstance: (p) =>
    when(theirs(p).instance, (instance) =>
      listsNothing(p, "listSpans", "span(s)", p.session.listSpans({ offset: 0, page_size: 100, agent_instance_id: instance.id }), true)),
  registerWithForeignAgent: (p) =>
    when(both(theirs(p).agent, mine(p).environment), ([agent, environment]) =>
      p.notFound(p.session.registerRun({ ...live, agent_id: agent.id, environment_id: environment.id }))),
  registerWithForeignEnvironment: (p) =>
    when(both(mine(p).agent, theirs(p).environment), ([agent, environment]) =>
      p.notFound(p.session.registerRun({ ...live, agent_id: agent.id, environment_id: environment.id }))),
  spanOnForeignInstance: (p) =>
    when(theirs(p).instance, (instance) =>
      p.notFound(p.session.recordSpan({ agent_instance_id: instance.id, schema_name: "llm", status: "active", payload: {} }))),
  spanWithForeignParent: (p) =>
    when(both(mine(p).openInstance, theirs(p).span), ([instance, span]) =>
      p.notFound(
        p.session.recordSpan({ agent_instance_id: instance.id, schema_name: "llm", status: "active", payload: {}, parent_span_id: span.id })
      )),
  deployForeignAgent: (p) =>
    when(both(theirs(p).agent, mine(p).environment), ([agent, environment]) =>
      p.notFound(p.session.createDeployment({ agent_id: agent.id, environment_id: environment.id }))),
  deployForeignEnvironment: (p) =>
    when(both(mine(p).agent, theirs(p).environment), ([agent, environment]) =>
      p.notFound(p.session.createDeployment({ agent_id: agent.id, environment_id: environment.id }))),
  pointAtForeignVersion: (p) =>
    when(both(mine(p).deployment, theirs(p).version), ([deployment, version]) =>
      p.notFound(p.session.updateDeployment(deployment.id, { current_version_id: version.id }))),
  assignForeignProfile: (p) =>
    when(both(mine(p).agent, theirs(p).profile), ([agent, profile]) =>
      p.notFound(p.session.updateAgent(agent.id, { risk_profile_id: profile.id }))),
  tokenForForeignDeployment: (p) =>
    when(theirs(p).deployment, (deployment) =>
      p.notFound(p.session.createToken({ token_scope: "agent_deployment", agent_deployment_id: deployment.id }))),
  finishForeignSpan: (p) => when(theirs(p).span, (span) => p.notFound(p.session.finishSpan(span.id, { status: "complete" }))),
  startForeignRun: (p) => when(theirs(p).instance, (instance) => p.notFound(p.session.startRun(instance.id, {}))),
  terminateForeignRun: (p) => when(theirs(p).instance, (instance) => p.notFound(p.session.terminateRun(instance.id, { reason: "not yours" }))),
  retireForeignAgent: (p) => when(theirs(p).agent, (agent) => p.notFound(p.session.retireAgent(agent.id))),
  deleteForeignEnvironment: (p) => when(theirs(p).environment, (environment) => p.notFound(p.session.deleteEnvironment(environment.id))),
  foreignClientId: (p) => {
    const id = Ids.AgentId.make(clientId(p.ctx, p.other))
    return Effect.as(
      attempt(p.ctx, "tenancy", `${p.label} (an agent id in its partition)`, failsWith(["InvalidInput"]), p.session.createAgent({ id, name: "Intruder" })),
      true
    )
  }
}

const crossAccount: Handler<"CrossAccount"> = (ctx, account, op) => {
  const other = otherAccount(ctx, account, op.other)
  if (other === undefined) return nothing
  const label = `${op.probe}: account #${account.index} naming a record of account #${other.index}`
  const probing: Probing = {
    ctx,
    session: account.session,
    label,
    account,
    other,
    pick: op.pick,
    notFound: (effect) => Effect.as(attempt(ctx, "tenancy", label, failsWith(["NotFound"]), effect), true)
  }
  return probes[op.probe](probing) ?? nothing
}

export const tenancyHandlers = {
  CrossAccount: crossAccount
} satisfies Partial<Handlers>
