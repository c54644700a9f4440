/**
 * The invariant sweep: after every operation of a workload, everything each account can read
 * is compared with the reference model, and the invariants of docs/domain.md are checked on what
 * the adapter answers:
 *
 * 1. tenancy — every list holds only the account's records; every record of another account
 *    answers not-found;
 * 2. at most one deployment per (agent, environment), pointers and history as the model says;
 * 3. versions and schema versions as the fingerprints predict, each record unchanged since its
 *    first read;
 * 4. instance stamps unchanged since registration, statuses as the state machine says;
 * 5. every accepted span stored exactly once, in its own instance, as a tree in timeline order;
 * 6. every span's conformance equal to an independent Ajv check, instance counts equal;
 * 7. risk totals equal to the reference calculation and to the sum of the breakdown, never
 *    lowered by adding a span, peak never lowered;
 * 8. (checked at the retry itself) a repeated keyed call answers the first answer — and this
 *    sweep then sees one effect only.
 */
import type { LedgerSession } from "@agentledger/domain"
import { Effect, Option } from "effect"
import { at, type MAccount, read, type RunState, spansOf } from "../model.js"
import { equal, notFound, owned, sweepList, unchanged } from "./checks.js"
import { checkInstance, checkSpans } from "./instances.js"

/** Checks every account against the model; violations go to the run's report. */
export const sweep = (ctx: RunState): Effect.Effect<void> =>
  Effect.forEach(ctx.accounts, (account) => sweepAccount(ctx, account), { discard: true })

const sweepAccount = (ctx: RunState, account: MAccount): Effect.Effect<void> =>
  Effect.gen(function*() {
    const session = account.session
    const where = `account #${account.index}`

    yield* sweepList(ctx, account, {
      invariant: "behaviour",
      label: `listEnvironments (${where})`,
      name: "listEnvironments",
      what: `environments of ${where}`,
      list: (r) => session.listEnvironments(r),
      expected: account.environments,
      check: (environment, model) => {
        if (model !== undefined) equal(ctx, "behaviour", `name of environment ${environment.id}`, environment.name, model.name)
      }
    })

    // Risk profiles and their revisions (immutable).
    yield* sweepList(ctx, account, {
      invariant: "behaviour",
      label: `listRiskProfiles (${where})`,
      name: "listRiskProfiles",
      what: `risk profiles of ${where}`,
      list: (r) => session.listRiskProfiles(r),
      expected: account.profiles,
      check: (profile, model) => {
        if (model === undefined) return
        equal(ctx, "risk", `risk profile ${profile.id}`, {
          revision: profile.revision,
          current_revision_id: profile.current_revision_id,
          deleted: profile.deleted_at !== null
        }, { revision: model.revision, current_revision_id: model.currentRevision, deleted: model.deleted })
      }
    })
    for (const profile of account.profiles) {
      const revisions = yield* read(ctx, "risk", `listRiskProfileRevisions(${profile.id})`, session.listRiskProfileRevisions(profile.id))
      if (Option.isNone(revisions)) continue
      owned(ctx, account, "listRiskProfileRevisions", revisions.value)
      equal(ctx, "risk", `revisions of risk profile ${profile.id} (oldest first)`, revisions.value.map((r) => r.id), profile.revisions)
      for (const revision of revisions.value) unchanged(ctx, "risk", `risk_profile_revision ${revision.id}`, revision)
    }

    yield* sweepList(ctx, account, {
      invariant: "behaviour",
      label: `listAgents (${where})`,
      name: "listAgents",
      what: `agents of ${where}`,
      list: (r) => session.listAgents(r),
      expected: account.agents,
      check: (agent, model) => {
        if (model === undefined) return
        equal(ctx, "behaviour", `agent ${agent.id}`, {
          name: agent.name,
          external_identifier: agent.external_identifier,
          status: agent.status,
          risk_profile_id: agent.risk_profile_id
        }, { name: model.name, external_identifier: model.externalIdentifier, status: model.status, risk_profile_id: model.profile })
      }
    })

    // Versions and schema versions: as the fingerprints predict, immutable.
    for (const agent of account.agents) {
      yield* sweepList(ctx, account, {
        invariant: "fingerprints",
        label: `listVersions(${agent.id})`,
        name: "listVersions",
        what: `versions of agent ${agent.id}`,
        list: (r) => session.listVersions({ ...r, agent_id: agent.id }),
        expected: [...agent.versions.values()],
        check: (version) => {
          if (version.agent_id !== agent.id) ctx.violate("fingerprints", `listVersions(${agent.id}) returned ${version.id} of agent ${version.agent_id}`)
          unchanged(ctx, "fingerprints", `agent_version ${version.id}`, version)
        }
      })
      yield* sweepList(ctx, account, {
        invariant: "fingerprints",
        label: `listSchemaVersions(${agent.id})`,
        name: "listSchemaVersions",
        what: `schema versions of agent ${agent.id}`,
        list: (r) => session.listSchemaVersions({ ...r, agent_id: agent.id }),
        expected: [...agent.schemaVersions.values()],
        check: (version) => unchanged(ctx, "fingerprints", `agent_schema_version ${version.id}`, version)
      })
    }

    // Deployments: one per (agent, environment), pointers and history as the model says.
    const pairs = new Map<string, string>()
    yield* sweepList(ctx, account, {
      invariant: "deployments",
      label: `listDeployments (${where})`,
      name: "listDeployments",
      what: `deployments of ${where}`,
      list: (r) => session.listDeployments(r),
      expected: account.deployments,
      check: (deployment, model) => {
        const pair = `${deployment.agent_id}×${deployment.environment_id}`
        const other = pairs.get(pair)
        if (other !== undefined && other !== deployment.id) {
          ctx.violate("deployments", `two deployments for agent ${deployment.agent_id} in environment ${deployment.environment_id}: ${other} and ${deployment.id}`)
        }
        pairs.set(pair, deployment.id)
        if (model === undefined) return
        equal(ctx, "deployments", `deployment ${deployment.id}`, {
          agent_id: deployment.agent_id,
          environment_id: deployment.environment_id,
          current_version_id: deployment.current_version_id
        }, { agent_id: model.agent, environment_id: model.environment, current_version_id: model.current })
      }
    })
    for (const deployment of account.deployments) {
      const details = yield* read(ctx, "deployments", `getDeployment(${deployment.id})`, session.getDeployment(deployment.id))
      if (Option.isNone(details)) continue
      equal(
        ctx,
        "deployments",
        `history of deployment ${deployment.id}`,
        details.value.history.map((h) => ({ from_version_id: h.from_version_id, to_version_id: h.to_version_id, cause: h.cause })),
        deployment.history
      )
    }

    yield* sweepList(ctx, account, {
      invariant: "behaviour",
      label: `listTokens (${where})`,
      name: "listTokens",
      what: `tokens of ${where}`,
      list: (r) => session.listTokens(r),
      expected: account.tokens,
      check: (token, model) => {
        if (model !== undefined) equal(ctx, "behaviour", `status of token ${token.id}`, token.status, model.status)
      }
    })

    // Instances, their spans and their risk.
    yield* sweepList(ctx, account, {
      invariant: "instances",
      label: `listInstances (${where})`,
      name: "listInstances",
      what: `instances of ${where}`,
      list: (r) => session.listInstances(r),
      expected: account.instances,
      check: (instance, model) => {
        if (model !== undefined) checkInstance(ctx, account, model, instance)
      }
    })
    for (const instance of account.instances) yield* checkSpans(ctx, account, session, instance)

    // Tenancy: the newest record of each kind in every other account is not found here.
    for (const other of ctx.accounts) {
      if (other === account) continue
      yield* probeOther(ctx, session, `${where} asking for account #${other.index}'s`, other)
    }
  })

const probeOther = (ctx: RunState, session: LedgerSession, label: string, other: MAccount): Effect.Effect<void> =>
  Effect.gen(function*() {
    const agent = other.agents.at(-1)
    if (agent !== undefined) {
      yield* notFound(ctx, `${label} agent (getAgent)`, session.getAgent(agent.id))
      const version = [...agent.versions.values()].at(-1)
      if (version !== undefined) {
        yield* notFound(ctx, `${label} version (getVersion)`, session.getVersion(version.id))
        yield* notFound(ctx, `${label} schema version (getSchemaVersion)`, session.getSchemaVersion(version.schemaVersion))
      }
    }
    const environment = other.environments.at(-1)
    if (environment !== undefined) yield* notFound(ctx, `${label} environment (getEnvironment)`, session.getEnvironment(environment.id))
    const instance = other.instances.at(-1)
    if (instance !== undefined) {
      yield* notFound(ctx, `${label} instance (getInstance)`, session.getInstance(instance.id))
      yield* notFound(ctx, `${label} instance (getTimeline)`, session.getTimeline(instance.id))
    }
    const span = spansOf(other).at(-1)
    if (span !== undefined) yield* notFound(ctx, `${label} span (getSpan)`, session.getSpan(span.id))
    const deployment = other.deployments.at(-1)
    if (deployment !== undefined) yield* notFound(ctx, `${label} deployment (getDeployment)`, session.getDeployment(deployment.id))
    const profile = at(other.profiles, other.profiles.length - 1)
    if (profile !== undefined) yield* notFound(ctx, `${label} risk profile (getRiskProfile)`, session.getRiskProfile(profile.id))
    const token = other.tokens.at(-1)
    if (token !== undefined) yield* notFound(ctx, `${label} token (getToken)`, session.getToken(token.id))
  })
