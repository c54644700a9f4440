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
import type { Commands, LedgerSession } from "@agentledger/domain"
import { Cause, Effect, Exit, Option } from "effect"
import {
  at,
  describeError,
  type Invariant,
  isTerminal,
  type MAccount,
  type MInstance,
  read,
  type RunState,
  spansOf,
  type Tagged
} from "./model.js"
import { canonical, higherLevel, levelRank, referenceFlagged, referenceLevel, referenceTimeline } from "./reference.js"

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const pageSize = 100

/** What a list answers (the `Page` of `Ledger.ts`), as far as paging needs it. */
export interface PageOf<A> {
  readonly items: ReadonlyArray<A>
  readonly pagination: { readonly next_page_offset: number | null }
}

/** Every item of a list, page by page (which exercises the pagination block too). */
export const listAll = <A, E>(
  fetch: (request: Commands.ListRequest) => Effect.Effect<PageOf<A>, E>
): Effect.Effect<ReadonlyArray<A>, E | string> =>
  Effect.gen(function*() {
    const out: Array<A> = []
    let offset = 0
    for (let guard = 0; guard < 1000; guard++) {
      const page = yield* fetch({ offset, page_size: pageSize })
      out.push(...page.items)
      const next = page.pagination.next_page_offset
      if (next === null) return out
      if (next <= offset) return yield* Effect.fail(`pagination does not advance: next_page_offset ${next} after offset ${offset}`)
      offset = next
    }
    return yield* Effect.fail("pagination never ends")
  })

/** `listAll`, with a failure (typed or a pagination fault) recorded as a violation. */
const readAll = <A, E extends Tagged>(
  ctx: RunState,
  invariant: Invariant,
  label: string,
  fetch: (request: Commands.ListRequest) => Effect.Effect<PageOf<A>, E>
): Effect.Effect<Option.Option<ReadonlyArray<A>>> =>
  Effect.map(Effect.exit(listAll(fetch)), (exit) => {
    if (Exit.isSuccess(exit)) return Option.some(exit.value)
    const failure = Cause.failureOption(exit.cause)
    ctx.violate(
      invariant,
      `${label} ${
        Option.isSome(failure)
          ? typeof failure.value === "string" ? failure.value : `failed with ${describeError(failure.value)}`
          : `died: ${Cause.pretty(exit.cause).slice(0, 2000)}`
      }`
    )
    return Option.none()
  })

/** Compares the ids a read returned with the ids the model holds. */
export const compareIds = (
  ctx: RunState,
  invariant: Invariant,
  what: string,
  actual: ReadonlyArray<string>,
  expected: ReadonlyArray<string>
): void => {
  const seen = new Set<string>()
  const twice = new Set<string>()
  for (const id of actual) {
    if (seen.has(id)) twice.add(id)
    seen.add(id)
  }
  if (twice.size > 0) ctx.violate(invariant, `${what}: listed more than once: ${[...twice].join(", ")}`)
  const wanted = new Set(expected)
  const missing = expected.filter((id) => !seen.has(id))
  const extra = [...seen].filter((id) => !wanted.has(id))
  if (missing.length > 0) ctx.violate(invariant, `${what}: missing ${missing.join(", ")}`)
  if (extra.length > 0) ctx.violate(invariant, `${what}: unexpected ${extra.join(", ")}`)
}

const owned = (ctx: RunState, account: MAccount, what: string, records: ReadonlyArray<{ readonly id: string; readonly account_id: string }>) => {
  for (const record of records) {
    if (record.account_id !== account.id) {
      ctx.violate("tenancy", `${what} of account #${account.index} returned ${record.id} of account ${record.account_id}`)
    }
  }
}

export const equal = (ctx: RunState, invariant: Invariant, what: string, actual: unknown, expected: unknown): boolean => {
  const a = canonical(actual)
  const e = canonical(expected)
  if (a === e) return true
  ctx.violate(invariant, `${what}: expected ${e.slice(0, 600)}, got ${a.slice(0, 600)}`)
  return false
}

/** The first read of an immutable record is remembered; every later read must equal it. */
export const unchanged = (ctx: RunState, invariant: Invariant, key: string, record: unknown): void => {
  const text = canonical(record)
  const first = ctx.firstSeen.get(key)
  if (first === undefined) ctx.firstSeen.set(key, text)
  else if (first !== text) ctx.violate(invariant, `${key} changed: first read ${first.slice(0, 600)}, now ${text.slice(0, 600)}`)
}

/** The fields fixed at registration. */
export const stamps = (instance: {
  readonly id: string
  readonly account_id: string
  readonly agent_id: string
  readonly agent_version_id: string
  readonly agent_schema_version_id: string
  readonly environment_id: string
  readonly agent_deployment_id: string | null
  readonly risk_profile_revision_id: string | null
  readonly purpose: string
  readonly inserted_at: unknown
}) => ({
  id: instance.id,
  account_id: instance.account_id,
  agent_id: instance.agent_id,
  agent_version_id: instance.agent_version_id,
  agent_schema_version_id: instance.agent_schema_version_id,
  environment_id: instance.environment_id,
  agent_deployment_id: instance.agent_deployment_id,
  risk_profile_revision_id: instance.risk_profile_revision_id,
  purpose: instance.purpose,
  inserted_at: instance.inserted_at
})

/** A call that must answer not-found (a record of another account). */
const notFound = <A, E extends Tagged>(ctx: RunState, label: string, effect: Effect.Effect<A, E>): Effect.Effect<void> =>
  Effect.map(Effect.exit(effect), (exit) => {
    if (Exit.isSuccess(exit)) {
      ctx.violate("tenancy", `${label} answered a record of another account`)
      return
    }
    const failure = Cause.failureOption(exit.cause)
    if (Option.isNone(failure)) ctx.violate("tenancy", `${label} died: ${Cause.pretty(exit.cause).slice(0, 1000)}`)
    else if (failure.value._tag !== "NotFound") {
      ctx.violate("tenancy", `${label} answered ${describeError(failure.value)}; another account's record must be not-found`)
    }
  })

// ---------------------------------------------------------------------------------------------
// The sweep
// ---------------------------------------------------------------------------------------------

/** Checks every account against the model; violations go to the run's report. */
export const sweep = (ctx: RunState): Effect.Effect<void> =>
  Effect.forEach(ctx.accounts, (account) => sweepAccount(ctx, account), { discard: true })

const sweepAccount = (ctx: RunState, account: MAccount): Effect.Effect<void> =>
  Effect.gen(function*() {
    const session = account.session
    const where = `account #${account.index}`

    // Environments.
    const environments = yield* readAll(ctx, "behaviour", `listEnvironments (${where})`, (r) => session.listEnvironments(r))
    if (Option.isSome(environments)) {
      owned(ctx, account, "listEnvironments", environments.value)
      compareIds(ctx, "behaviour", `environments of ${where}`, environments.value.map((e) => e.id), account.environments.map((e) => e.id))
      for (const environment of environments.value) {
        const model = account.environments.find((e) => e.id === environment.id)
        if (model !== undefined) equal(ctx, "behaviour", `name of environment ${environment.id}`, environment.name, model.name)
      }
    }

    // Risk profiles and their revisions (immutable).
    const profiles = yield* readAll(ctx, "behaviour", `listRiskProfiles (${where})`, (r) => session.listRiskProfiles(r))
    if (Option.isSome(profiles)) {
      owned(ctx, account, "listRiskProfiles", profiles.value)
      compareIds(ctx, "behaviour", `risk profiles of ${where}`, profiles.value.map((p) => p.id), account.profiles.map((p) => p.id))
      for (const profile of profiles.value) {
        const model = account.profiles.find((p) => p.id === profile.id)
        if (model === undefined) continue
        equal(ctx, "risk", `risk profile ${profile.id}`, {
          revision: profile.revision,
          current_revision_id: profile.current_revision_id,
          deleted: profile.deleted_at !== null
        }, { revision: model.revision, current_revision_id: model.currentRevision, deleted: model.deleted })
      }
    }
    for (const profile of account.profiles) {
      const revisions = yield* read(ctx, "risk", `listRiskProfileRevisions(${profile.id})`, session.listRiskProfileRevisions(profile.id))
      if (Option.isNone(revisions)) continue
      owned(ctx, account, "listRiskProfileRevisions", revisions.value)
      equal(ctx, "risk", `revisions of risk profile ${profile.id} (oldest first)`, revisions.value.map((r) => r.id), profile.revisions)
      for (const revision of revisions.value) unchanged(ctx, "risk", `risk_profile_revision ${revision.id}`, revision)
    }

    // Agents.
    const agents = yield* readAll(ctx, "behaviour", `listAgents (${where})`, (r) => session.listAgents(r))
    if (Option.isSome(agents)) {
      owned(ctx, account, "listAgents", agents.value)
      compareIds(ctx, "behaviour", `agents of ${where}`, agents.value.map((a) => a.id), account.agents.map((a) => a.id))
      for (const agent of agents.value) {
        const model = account.agents.find((a) => a.id === agent.id)
        if (model === undefined) continue
        equal(ctx, "behaviour", `agent ${agent.id}`, {
          name: agent.name,
          external_identifier: agent.external_identifier,
          status: agent.status,
          risk_profile_id: agent.risk_profile_id
        }, { name: model.name, external_identifier: model.externalIdentifier, status: model.status, risk_profile_id: model.profile })
      }
    }

    // Versions and schema versions: as the fingerprints predict, immutable.
    for (const agent of account.agents) {
      const versions = yield* readAll(ctx, "fingerprints", `listVersions(${agent.id})`, (r) => session.listVersions({ ...r, agent_id: agent.id }))
      if (Option.isSome(versions)) {
        owned(ctx, account, "listVersions", versions.value)
        compareIds(ctx, "fingerprints", `versions of agent ${agent.id}`, versions.value.map((v) => v.id), [...agent.versions.values()].map((v) => v.id))
        for (const version of versions.value) {
          if (version.agent_id !== agent.id) ctx.violate("fingerprints", `listVersions(${agent.id}) returned ${version.id} of agent ${version.agent_id}`)
          unchanged(ctx, "fingerprints", `agent_version ${version.id}`, version)
        }
      }
      const schemaVersions = yield* readAll(
        ctx,
        "fingerprints",
        `listSchemaVersions(${agent.id})`,
        (r) => session.listSchemaVersions({ ...r, agent_id: agent.id })
      )
      if (Option.isSome(schemaVersions)) {
        owned(ctx, account, "listSchemaVersions", schemaVersions.value)
        compareIds(
          ctx,
          "fingerprints",
          `schema versions of agent ${agent.id}`,
          schemaVersions.value.map((v) => v.id),
          [...agent.schemaVersions.values()].map((v) => v.id)
        )
        for (const version of schemaVersions.value) unchanged(ctx, "fingerprints", `agent_schema_version ${version.id}`, version)
      }
    }

    // Deployments: one per (agent, environment), pointers and history as the model says.
    const deployments = yield* readAll(ctx, "deployments", `listDeployments (${where})`, (r) => session.listDeployments(r))
    if (Option.isSome(deployments)) {
      owned(ctx, account, "listDeployments", deployments.value)
      const pairs = new Map<string, string>()
      for (const deployment of deployments.value) {
        const pair = `${deployment.agent_id}×${deployment.environment_id}`
        const other = pairs.get(pair)
        if (other !== undefined && other !== deployment.id) {
          ctx.violate("deployments", `two deployments for agent ${deployment.agent_id} in environment ${deployment.environment_id}: ${other} and ${deployment.id}`)
        }
        pairs.set(pair, deployment.id)
        const model = account.deployments.find((d) => d.id === deployment.id)
        if (model === undefined) continue
        equal(ctx, "deployments", `deployment ${deployment.id}`, {
          agent_id: deployment.agent_id,
          environment_id: deployment.environment_id,
          current_version_id: deployment.current_version_id
        }, { agent_id: model.agent, environment_id: model.environment, current_version_id: model.current })
      }
      compareIds(ctx, "deployments", `deployments of ${where}`, deployments.value.map((d) => d.id), account.deployments.map((d) => d.id))
    }
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

    // Tokens.
    const tokens = yield* readAll(ctx, "behaviour", `listTokens (${where})`, (r) => session.listTokens(r))
    if (Option.isSome(tokens)) {
      owned(ctx, account, "listTokens", tokens.value)
      compareIds(ctx, "behaviour", `tokens of ${where}`, tokens.value.map((t) => t.id), account.tokens.map((t) => t.id))
      for (const token of tokens.value) {
        const model = account.tokens.find((t) => t.id === token.id)
        if (model !== undefined) equal(ctx, "behaviour", `status of token ${token.id}`, token.status, model.status)
      }
    }

    // Instances, their spans and their risk.
    const instances = yield* readAll(ctx, "instances", `listInstances (${where})`, (r) => session.listInstances(r))
    if (Option.isSome(instances)) {
      owned(ctx, account, "listInstances", instances.value)
      compareIds(ctx, "instances", `instances of ${where}`, instances.value.map((i) => i.id), account.instances.map((i) => i.id))
      for (const instance of instances.value) {
        const model = account.instances.find((i) => i.id === instance.id)
        if (model === undefined) continue
        checkInstance(ctx, account, model, instance)
      }
    }
    for (const instance of account.instances) yield* checkSpans(ctx, account, session, instance)

    // Tenancy: the newest record of each kind in every other account is not found here.
    for (const other of ctx.accounts) {
      if (other === account) continue
      yield* probeOther(ctx, session, `${where} asking for account #${other.index}'s`, other)
    }
  })

type InstanceRecord = Parameters<typeof stamps>[0] & {
  readonly status: string
  readonly span_counts: { readonly total: number } & Readonly<Record<string, number>>
  readonly conformance_counts: { readonly conforms: number; readonly flagged: number }
  readonly risk: { readonly total: number; readonly level: string; readonly peak_level: string } | null
}

const checkInstance = (ctx: RunState, account: MAccount, model: MInstance, instance: InstanceRecord): void => {
  unchanged(ctx, "instances", `stamps of instance ${instance.id}`, stamps(instance))
  equal(ctx, "instances", `stamps of instance ${instance.id} against the model`, {
    agent_id: instance.agent_id,
    agent_version_id: instance.agent_version_id,
    agent_schema_version_id: instance.agent_schema_version_id,
    environment_id: instance.environment_id,
    agent_deployment_id: instance.agent_deployment_id,
    risk_profile_revision_id: instance.risk_profile_revision_id,
    purpose: instance.purpose,
    account_id: instance.account_id
  }, {
    agent_id: model.agent,
    agent_version_id: model.version,
    agent_schema_version_id: model.schemaVersion,
    environment_id: model.environment,
    agent_deployment_id: model.deployment,
    risk_profile_revision_id: model.revision,
    purpose: model.purpose,
    account_id: account.id
  })
  equal(ctx, "instances", `status of instance ${instance.id}`, instance.status, model.status)
  const byStatus: Record<string, number> = { total: model.spans.length, pending: 0, active: 0, complete: 0, failed: 0, cancelled: 0, terminated: 0 }
  let finished = 0
  let flagged = 0
  for (const span of model.spans) {
    byStatus[span.status] = (byStatus[span.status] ?? 0) + 1
    if (isTerminal(span.status)) finished++
    if (referenceFlagged(span.conformance)) flagged++
  }
  equal(ctx, "spans", `span_counts of instance ${instance.id}`, instance.span_counts, { ...byStatus, finished })
  equal(ctx, "conformance", `conformance_counts of instance ${instance.id}`, instance.conformance_counts, {
    conforms: model.spans.length - flagged,
    flagged
  })
  if (model.thresholds === null) {
    if (instance.risk !== null) ctx.violate("risk", `instance ${instance.id} has no risk profile revision but carries risk ${canonical(instance.risk)}`)
    return
  }
  if (instance.risk === null) {
    ctx.violate("risk", `instance ${instance.id} is scored with revision ${model.revision} but carries no risk`)
    return
  }
  equal(ctx, "risk", `risk of instance ${instance.id} (reference calculation)`, instance.risk, {
    total: model.total,
    level: referenceLevel(model.total, model.thresholds),
    peak_level: model.peak
  })
  const last = account.lastRisk.get(instance.id)
  const level = instance.risk.peak_level
  if (last !== undefined) {
    if (!model.lowered && instance.risk.total < last.total) {
      ctx.violate("risk", `instance ${instance.id}: total fell from ${last.total} to ${instance.risk.total} though no span was cancelled`)
    }
    if (isLevel(level) && levelRank[level] < levelRank[last.peak]) {
      ctx.violate("risk", `instance ${instance.id}: peak level fell from ${last.peak} to ${level}`)
    }
  }
  if (isLevel(level)) account.lastRisk.set(instance.id, { total: instance.risk.total, peak: higherLevel(level, last?.peak ?? "low") })
  model.lowered = false
}

const isLevel = (text: string): text is "low" | "medium" | "high" | "critical" =>
  text === "low" || text === "medium" || text === "high" || text === "critical"

const checkSpans = (ctx: RunState, account: MAccount, session: LedgerSession, model: MInstance): Effect.Effect<void> =>
  Effect.gen(function*() {
    const timeline = yield* read(ctx, "spans", `getTimeline(${model.id})`, session.getTimeline(model.id))
    if (Option.isSome(timeline)) {
      const spans = timeline.value.spans
      const ids = spans.map((entry) => entry.span.id)
      compareIds(ctx, "spans", `timeline of instance ${model.id}`, ids, model.spans.map((s) => s.id))
      const inRun = new Map(spans.map((entry) => [entry.span.id, entry.span]))
      for (const { span } of spans) {
        if (span.agent_instance_id !== model.id || span.account_id !== account.id || span.agent_id !== model.agent) {
          ctx.violate("spans", `timeline of ${model.id} holds span ${span.id} of instance ${span.agent_instance_id} (account ${span.account_id})`)
        }
        if (span.parent_span_id !== null && !inRun.has(span.parent_span_id)) {
          ctx.violate("spans", `span ${span.id} names parent ${span.parent_span_id}, which is not a span of its instance ${model.id}`)
        }
        // No cycles: following parents ends at a root.
        const seen = new Set<string>([span.id])
        for (let parent = span.parent_span_id; parent !== null;) {
          if (seen.has(parent)) {
            ctx.violate("spans", `span ${span.id} is its own ancestor`)
            break
          }
          seen.add(parent)
          parent = inRun.get(parent)?.parent_span_id ?? null
        }
        const expected = model.spans.find((s) => s.id === span.id)
        if (expected === undefined) continue
        equal(ctx, "spans", `span ${span.id}`, {
          parent_span_id: span.parent_span_id,
          status: span.status,
          schema_name: span.schema_name
        }, { parent_span_id: expected.parent, status: expected.status, schema_name: expected.type })
        equal(ctx, "conformance", `conformance of span ${span.id} (independent Ajv check)`, {
          payload: span.conformance.payload,
          result: span.conformance.result
        }, expected.conformance)
        equal(ctx, "risk", `risk points of span ${span.id}`, span.risk_points, expected.points)
      }
      const order = referenceTimeline(model.spans.map((s) => ({ id: s.id, parent: s.parent, startedAt: s.startedAt, order: s.order })))
      equal(ctx, "spans", `timeline order of instance ${model.id}`, spans.map((e) => ({ id: e.span.id, depth: e.depth })), order)
    }

    const listed = yield* readAll(ctx, "spans", `listSpans(${model.id})`, (r) => session.listSpans({ ...r, agent_instance_id: model.id }))
    if (Option.isSome(listed)) {
      owned(ctx, account, "listSpans", listed.value)
      compareIds(ctx, "spans", `listSpans of instance ${model.id}`, listed.value.map((s) => s.id), model.spans.map((s) => s.id))
    }

    const report = yield* read(ctx, "risk", `getRiskReport(${model.id})`, session.getRiskReport(model.id))
    if (Option.isNone(report)) return
    if (model.thresholds === null) {
      if (report.value !== null) ctx.violate("risk", `instance ${model.id} has no profile revision but getRiskReport answered ${canonical(report.value)}`)
      return
    }
    if (report.value === null) {
      ctx.violate("risk", `instance ${model.id} is scored but getRiskReport answered null`)
      return
    }
    const sum = report.value.breakdown.reduce((total, entry) => total + entry.points, 0)
    if (sum !== report.value.total) {
      ctx.violate("risk", `risk report of ${model.id}: breakdown points sum to ${sum}, total is ${report.value.total}`)
    }
    const counted = model.spans.filter((s) => s.status !== "cancelled")
    const byType = new Map<string, { span_count: number; points: number }>()
    for (const span of counted) {
      const entry = byType.get(span.type) ?? { span_count: 0, points: 0 }
      entry.span_count++
      entry.points += span.points
      byType.set(span.type, entry)
    }
    equal(ctx, "risk", `risk report of ${model.id} (reference calculation)`, {
      total: report.value.total,
      level: report.value.level,
      peak_level: report.value.peak_level,
      profile_revision_id: report.value.profile_revision_id,
      breakdown: Object.fromEntries(report.value.breakdown.map((e) => [e.schema_name, { span_count: e.span_count, points: e.points }]))
    }, {
      total: model.total,
      level: referenceLevel(model.total, model.thresholds),
      peak_level: model.peak,
      profile_revision_id: model.revision,
      breakdown: Object.fromEntries(byType)
    })
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
