/**
 * The model-based runner: plays a workload against a fresh `Ledger` and, beside it, against the
 * reference model. Each operation's outcome (success, or which error) is compared with the
 * model's expectation and its answer with the model's prediction; after every operation the
 * invariant sweep compares everything every account can read. The run stops at the first step
 * that breaks something and reports what broke.
 *
 * `runWorkload` is a plain function so that any test — including one that proves a faulty
 * adapter is caught — can run it and look at the report.
 */
import { type Commands, Ids, Ledger, type LedgerSession } from "@agentledger/domain"
import { DateTime, Effect, type Layer, Option } from "effect"
import { equal, sweep } from "./invariants.js"
import {
  at,
  attempt,
  expectFrom,
  failsWith,
  isTerminal,
  type LedgerService,
  type MAccount,
  type MAgent,
  type MDeployment,
  type MSpan,
  ok,
  read,
  type Report,
  RunState,
  spansOf,
  type Tagged
} from "./model.js"
import type { Op, Probe, SpanSpec, VersionRef, Workload } from "./ops.js"
import {
  canonical,
  higherLevel,
  referenceConformance,
  referenceLevel,
  referenceRules,
  referenceScore
} from "./reference.js"
import {
  declaredTypes,
  payloads,
  renderSchema,
  renderVersion,
  results,
  schemaContentKey,
  spanTypeNames,
  versionContentKey
} from "./specs.js"

export interface WorkloadOptions {
  /** `every-step` (default): the invariant sweep runs after every operation; `end`: once, at the end. */
  readonly sweep?: "every-step" | "end"
  /** Seed of the client-chosen ids. */
  readonly seed?: number
}

/** The rules of the documented example (docs/domain.md, "Risk scoring"): weights 8 and 4, read multiplier 1.0 (so a span reading both scores 12). */
export const docsProfile: Commands.CreateRiskProfile = {
  name: "Customer data",
  category_weights: { personal_identifiers: { weight: 8, included: true }, contact_information: { weight: 4, included: true } },
  action_multipliers: { read_data: { multiplier: 1, included: true } },
  thresholds: { medium: 20, high: 50, critical: 100 }
}

/**
 * Plays `workload` on a fresh ledger from `makeLayer` and checks it against the reference model.
 * Never fails because the adapter misbehaves: every disagreement is in the report.
 */
export const runWorkload = <E>(
  makeLayer: () => Layer.Layer<Ledger, E>,
  workload: Workload,
  options: WorkloadOptions = {}
): Effect.Effect<Report, E> =>
  Effect.gen(function*() {
    const ledger = yield* Ledger
    const ctx = new RunState(ledger, options.seed ?? 1)
    yield* setUp(ctx, workload)
    if (ctx.violations.length === 0) yield* sweep(ctx)
    let executed = 0
    const last = workload.steps.length - 1
    for (const [index, op] of workload.steps.entries()) {
      if (ctx.violations.length > 0) break
      ctx.step = index + 1
      ctx.operation = describeOp(op)
      if (yield* runOp(ctx, workload, op)) executed++
      if (ctx.violations.length === 0 && (options.sweep !== "end" || index === last)) yield* sweep(ctx)
    }
    return { steps: workload.steps.length, executed, outcomes: ctx.outcomes, violations: ctx.violations }
  }).pipe(Effect.provide(makeLayer()))

export const describeOp = (op: Op): string => {
  switch (op._tag) {
    case "Retry":
    case "ReuseKey":
      return `${op._tag} #${op.pick}`
    case "CrossAccount":
      return `CrossAccount ${op.probe} (account ${op.account} → ${op.other})`
    default:
      return `${op._tag} (account ${op.account})`
  }
}

// ---------------------------------------------------------------------------------------------
// Set-up: accounts, each with the docs' profile and two agents
// ---------------------------------------------------------------------------------------------

const setUp = (ctx: RunState, workload: Workload): Effect.Effect<void> =>
  Effect.gen(function*() {
    const accounts = Math.max(2, workload.accounts)
    for (let index = 0; index < accounts; index++) {
      const account = yield* createAccount(ctx, ctx.ledger, index)
      if (Option.isNone(account)) return
      ctx.accounts.push(account.value)
    }
    const none: Workload = { accounts, schemas: [], versions: [], steps: [] }
    for (const account of ctx.accounts) {
      yield* runOp(ctx, none, {
        _tag: "CreateRiskProfile",
        account: account.index,
        keyed: false,
        input: docsProfile,
        valid: true
      })
      yield* runOp(ctx, none, {
        _tag: "CreateAgent",
        account: account.index,
        keyed: false,
        name: "Support bot",
        externalIdentifier: null,
        profile: 0
      })
      yield* runOp(ctx, none, {
        _tag: "CreateAgent",
        account: account.index,
        keyed: false,
        name: "Researcher",
        externalIdentifier: "research",
        profile: null
      })
      // A first run of the agent with the profile, so that spans have somewhere to go from the start.
      yield* runOp(ctx, workload, {
        _tag: "RegisterRun",
        account: account.index,
        keyed: false,
        via: "account",
        agent: 0,
        environment: 0,
        deployment: 0,
        schema: 0,
        version: 0,
        form: account.index,
        display: { name: "Support bot", description: null },
        updateCurrentVersion: true,
        purpose: "live",
        corrupt: false,
        clientId: "none"
      })
    }
  })

const createAccount = (ctx: RunState, ledger: LedgerService, index: number): Effect.Effect<Option.Option<MAccount>> =>
  Effect.gen(function*() {
    const created = yield* attempt(ctx, "behaviour", "createAccount", ok, ledger.createAccount({ name: `Tenant ${index}` }))
    if (Option.isNone(created)) return Option.none()
    const session = yield* attempt(ctx, "behaviour", "authenticate (account token)", ok, ledger.authenticate(created.value.secret))
    if (Option.isNone(session)) return Option.none()
    equal(ctx, "tenancy", "principal of a new account's token", {
      account_id: session.value.principal.account_id,
      token_id: session.value.principal.token_id,
      token_scope: session.value.principal.token_scope
    }, { account_id: created.value.account.id, token_id: created.value.token.id, token_scope: "account" })
    const environments = yield* read(ctx, "behaviour", "listEnvironments", session.value.listEnvironments({ offset: 0, page_size: 100, sorting: "name" }))
    if (Option.isNone(environments)) return Option.none()
    equal(ctx, "behaviour", "default environments of a new account", environments.value.items.map((e) => e.name), [
      "development",
      "production",
      "staging"
    ])
    return Option.some({
      index,
      id: created.value.account.id,
      session: session.value,
      environments: environments.value.items.map((e) => ({ id: e.id, name: e.name })),
      profiles: [],
      agents: [],
      deployments: [],
      instances: [],
      tokens: [{ id: created.value.token.id, secret: created.value.secret, scope: "account", deployment: null, status: "active", expired: false, main: true }],
      deletedSecrets: [],
      deploymentSessions: new Map(),
      lastRisk: new Map()
    })
  })

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

const keyOf = (ctx: RunState, keyed: boolean): { readonly idempotencyKey: string } | undefined =>
  keyed ? { idempotencyKey: `key-${ctx.step}` } : undefined

const sameAnswer = (first: unknown) => (again: unknown): string | null =>
  canonical(first) === canonical(again) ? null : `replayed ${canonical(again).slice(0, 600)}, first answer was ${canonical(first).slice(0, 600)}`

const remember = <A>(
  ctx: RunState,
  account: MAccount,
  options: { readonly idempotencyKey: string } | undefined,
  label: string,
  call: (options: { readonly idempotencyKey: string }) => Effect.Effect<A, Tagged>,
  check: (again: unknown) => string | null
): void => {
  if (options === undefined) return
  ctx.keys.push({ key: options.idempotencyKey, account, label, call: () => call(options), check })
}

const randomness = (ctx: RunState): string => {
  let out = ""
  for (let i = 0; i < 16; i++) out += Ids.alphabet[Math.floor(ctx.random() * 32)] ?? "0"
  return out
}

/** A PFID in the account's partition, as a client may choose one. */
const clientId = (ctx: RunState, account: MAccount): string => Ids.encode(Date.now(), Ids.partitionOf(account.id), randomness(ctx))

const otherAccount = (ctx: RunState, account: MAccount, pick: number): MAccount | undefined =>
  at(ctx.accounts.filter((a) => a !== account), pick)

const versionsOf = (agent: MAgent) => [...agent.versions.values()]

/** Runs one operation; false when it found nothing to act on. */
const runOp = (ctx: RunState, workload: Workload, op: Op): Effect.Effect<boolean> => {
  switch (op._tag) {
    case "Retry":
      return retry(ctx, op.pick)
    case "ReuseKey":
      return reuseKey(ctx, op.pick)
    default: {
      const account = at(ctx.accounts, op.account)
      if (account === undefined) return Effect.succeed(false)
      return runAccountOp(ctx, workload, account, op)
    }
  }
}

const runAccountOp = (ctx: RunState, workload: Workload, account: MAccount, op: Op): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    const session = account.session
    switch (op._tag) {
      // --- Environments ------------------------------------------------------------------------
      case "CreateEnvironment": {
        const name = op.input.name.trim()
        const errors: Array<string> = []
        if (name.length === 0 || name.length > 64) errors.push("InvalidInput")
        else if (account.environments.some((e) => e.name.toLowerCase() === name.toLowerCase())) errors.push("Conflict")
        const options = keyOf(ctx, op.keyed)
        const call = (o: typeof options) => session.createEnvironment(op.input, o)
        const created = yield* attempt(ctx, "behaviour", "createEnvironment", expectFrom(errors), call(options))
        if (Option.isNone(created)) return true
        equal(ctx, "behaviour", "created environment", {
          name: created.value.name,
          purpose: created.value.purpose,
          account_id: created.value.account_id
        }, { name, purpose: op.input.purpose, account_id: account.id })
        account.environments.push({ id: created.value.id, name: created.value.name })
        remember(ctx, account, options, "createEnvironment", call, sameAnswer(created.value))
        return true
      }
      case "UpdateEnvironment": {
        const environment = at(account.environments, op.environment)
        if (environment === undefined) return false
        const errors: Array<string> = []
        const name = op.input.name?.trim()
        if (name !== undefined) {
          if (name.length === 0 || name.length > 64) errors.push("InvalidInput")
          else if (account.environments.some((e) => e !== environment && e.name.toLowerCase() === name.toLowerCase())) errors.push("Conflict")
        }
        const options = keyOf(ctx, op.keyed)
        const call = (o: typeof options) => session.updateEnvironment(environment.id, op.input, o)
        const updated = yield* attempt(ctx, "behaviour", "updateEnvironment", expectFrom(errors), call(options))
        if (Option.isNone(updated)) return true
        if (name !== undefined) environment.name = name
        equal(ctx, "behaviour", "updated environment's name", updated.value.name, environment.name)
        remember(ctx, account, options, "updateEnvironment", call, sameAnswer(updated.value))
        return true
      }
      case "DeleteEnvironment": {
        const environment = at(account.environments, op.environment)
        if (environment === undefined) return false
        const used = account.deployments.some((d) => d.environment === environment.id) ||
          account.instances.some((i) => i.environment === environment.id)
        const options = keyOf(ctx, op.keyed)
        const call = (o: typeof options) => session.deleteEnvironment(environment.id, o)
        const deleted = yield* attempt(ctx, "behaviour", "deleteEnvironment", expectFrom(used ? ["Conflict"] : []), call(options))
        if (Option.isNone(deleted)) return true
        account.environments.splice(account.environments.indexOf(environment), 1)
        remember(ctx, account, options, "deleteEnvironment", call, sameAnswer(deleted.value))
        return true
      }

      // --- Risk profiles -----------------------------------------------------------------------
      case "CreateRiskProfile": {
        const options = keyOf(ctx, op.keyed)
        const call = (o: typeof options) => session.createRiskProfile(op.input, o)
        const created = yield* attempt(ctx, "risk", "createRiskProfile", expectFrom(op.valid ? [] : ["InvalidInput"]), call(options))
        if (Option.isNone(created)) return true
        const rules = referenceRules(op.input)
        equal(ctx, "risk", "new risk profile", {
          revision: created.value.profile.revision,
          revision_number: created.value.revision.revision,
          current_revision_id: created.value.profile.current_revision_id,
          thresholds: created.value.revision.rules.thresholds
        }, { revision: 1, revision_number: 1, current_revision_id: created.value.revision.id, thresholds: rules.thresholds })
        account.profiles.push({
          id: created.value.profile.id,
          revision: 1,
          currentRevision: created.value.revision.id,
          rules,
          deleted: false,
          revisions: [created.value.revision.id]
        })
        remember(ctx, account, options, "createRiskProfile", call, sameAnswer(created.value))
        return true
      }
      case "UpdateRiskProfile": {
        const profile = at(account.profiles, op.profile)
        if (profile === undefined) return false
        const errors: Array<string> = []
        if (profile.deleted) errors.push("InvalidAction")
        if (!op.valid) errors.push("InvalidInput")
        const options = keyOf(ctx, op.keyed)
        const call = (o: typeof options) => session.updateRiskProfile(profile.id, op.input, o)
        const updated = yield* attempt(ctx, "risk", "updateRiskProfile", expectFrom(errors), call(options))
        if (Option.isNone(updated)) return true
        if (profile.revisions.includes(updated.value.revision.id)) {
          ctx.violate("risk", `editing risk profile ${profile.id} reused revision ${updated.value.revision.id}`)
        }
        profile.revision++
        profile.currentRevision = updated.value.revision.id
        profile.rules = referenceRules(op.input)
        profile.revisions.push(updated.value.revision.id)
        equal(ctx, "risk", "edited risk profile", {
          revision: updated.value.profile.revision,
          revision_number: updated.value.revision.revision,
          current_revision_id: updated.value.profile.current_revision_id
        }, { revision: profile.revision, revision_number: profile.revision, current_revision_id: profile.currentRevision })
        remember(ctx, account, options, "updateRiskProfile", call, sameAnswer(updated.value))
        return true
      }
      case "DeleteRiskProfile": {
        const profile = at(account.profiles, op.profile)
        if (profile === undefined) return false
        const options = keyOf(ctx, op.keyed)
        const call = (o: typeof options) => session.deleteRiskProfile(profile.id, o)
        const deleted = yield* attempt(ctx, "risk", "deleteRiskProfile", expectFrom(profile.deleted ? ["InvalidAction"] : []), call(options))
        if (Option.isNone(deleted)) return true
        profile.deleted = true
        remember(ctx, account, options, "deleteRiskProfile", call, sameAnswer(deleted.value))
        return true
      }

      // --- Agents ------------------------------------------------------------------------------
      case "CreateAgent": {
        const profile = op.profile === null ? undefined : at(account.profiles.filter((p) => !p.deleted), op.profile)
        const errors: Array<string> = []
        if (op.externalIdentifier !== null && account.agents.some((a) => a.externalIdentifier === op.externalIdentifier)) errors.push("Conflict")
        const input: Commands.CreateAgent = {
          name: op.name,
          ...(op.externalIdentifier === null ? {} : { external_identifier: op.externalIdentifier }),
          ...(profile === undefined ? {} : { risk_profile_id: profile.id })
        }
        const options = keyOf(ctx, op.keyed)
        const call = (o: typeof options) => session.createAgent(input, o)
        const created = yield* attempt(ctx, "behaviour", "createAgent", expectFrom(errors), call(options))
        if (Option.isNone(created)) return true
        equal(ctx, "behaviour", "new agent", {
          name: created.value.name,
          status: created.value.status,
          external_identifier: created.value.external_identifier,
          risk_profile_id: created.value.risk_profile_id
        }, { name: op.name.trim(), status: "pending", external_identifier: op.externalIdentifier, risk_profile_id: profile?.id ?? null })
        account.agents.push({
          id: created.value.id,
          name: created.value.name,
          externalIdentifier: op.externalIdentifier,
          status: "pending",
          ran: false,
          profile: profile?.id ?? null,
          schemaVersions: new Map(),
          versions: new Map()
        })
        remember(ctx, account, options, "createAgent", call, sameAnswer(created.value))
        return true
      }
      case "UpdateAgent": {
        const agent = at(account.agents, op.agent)
        if (agent === undefined) return false
        const profile = typeof op.profile === "number" ? at(account.profiles, op.profile) : undefined
        const errors: Array<string> = []
        if (agent.status === "retired") errors.push("InvalidAction")
        if (profile?.deleted === true) errors.push("InvalidInput")
        const input: Commands.UpdateAgent = {
          ...(op.name === null ? {} : { name: op.name }),
          ...(op.profile === "clear" ? { risk_profile_id: null } : profile === undefined ? {} : { risk_profile_id: profile.id })
        }
        const options = keyOf(ctx, op.keyed)
        const call = (o: typeof options) => session.updateAgent(agent.id, input, o)
        const updated = yield* attempt(ctx, "behaviour", "updateAgent", expectFrom(errors), call(options))
        if (Option.isNone(updated)) return true
        if (op.name !== null) agent.name = op.name.trim()
        if (op.profile === "clear") agent.profile = null
        else if (profile !== undefined) agent.profile = profile.id
        equal(ctx, "behaviour", "updated agent", { name: updated.value.name, risk_profile_id: updated.value.risk_profile_id }, {
          name: agent.name,
          risk_profile_id: agent.profile
        })
        remember(ctx, account, options, "updateAgent", call, sameAnswer(updated.value))
        return true
      }
      case "RetireAgent":
      case "ReinstateAgent": {
        const agent = at(account.agents, op.agent)
        if (agent === undefined) return false
        const retiring = op._tag === "RetireAgent"
        const refused = retiring ? agent.status === "retired" : agent.status !== "retired"
        const options = keyOf(ctx, op.keyed)
        const call = (o: typeof options) => (retiring ? session.retireAgent(agent.id, o) : session.reinstateAgent(agent.id, o))
        const done = yield* attempt(ctx, "behaviour", retiring ? "retireAgent" : "reinstateAgent", expectFrom(refused ? ["InvalidAction"] : []), call(options))
        if (Option.isNone(done)) return true
        agent.status = retiring ? "retired" : agent.ran ? "active" : "pending"
        equal(ctx, "behaviour", `status after ${retiring ? "retire" : "reinstate"}`, done.value.status, agent.status)
        remember(ctx, account, options, retiring ? "retireAgent" : "reinstateAgent", call, sameAnswer(done.value))
        return true
      }
      case "DeleteAgent": {
        const agent = at(account.agents, op.agent)
        if (agent === undefined) return false
        const used = account.instances.some((i) => i.agent === agent.id) || account.deployments.some((d) => d.agent === agent.id)
        const options = keyOf(ctx, op.keyed)
        const call = (o: typeof options) => session.deleteAgent(agent.id, o)
        const deleted = yield* attempt(ctx, "behaviour", "deleteAgent", expectFrom(used ? ["Conflict"] : []), call(options))
        if (Option.isNone(deleted)) return true
        account.agents.splice(account.agents.indexOf(agent), 1)
        remember(ctx, account, options, "deleteAgent", call, sameAnswer(deleted.value))
        return true
      }

      // --- Runs --------------------------------------------------------------------------------
      case "RegisterRun":
        return yield* registerRun(ctx, workload, account, op)
      case "StartRun": {
        const instance = at(account.instances, op.instance)
        if (instance === undefined) return false
        const options = keyOf(ctx, op.keyed)
        const call = (o: typeof options) => session.startRun(instance.id, {}, o)
        const started = yield* attempt(ctx, "instances", "startRun", expectFrom(isTerminal(instance.status) ? ["InvalidAction"] : []), call(options))
        if (Option.isNone(started)) return true
        instance.status = "active"
        equal(ctx, "instances", "status after start", started.value.status, "active")
        remember(ctx, account, options, "startRun", call, sameAnswer(started.value))
        return true
      }
      case "FinishRun": {
        const instance = at(account.instances, op.instance)
        if (instance === undefined) return false
        const allowed = instance.status === "active" || (instance.status === "pending" && op.status === "cancelled")
        const options = keyOf(ctx, op.keyed)
        const call = (o: typeof options) => session.finishRun(instance.id, { status: op.status }, o)
        const finished = yield* attempt(ctx, "instances", `finishRun (${op.status})`, expectFrom(allowed ? [] : ["InvalidAction"]), call(options))
        if (Option.isNone(finished)) return true
        instance.status = op.status
        equal(ctx, "instances", "status after finish", finished.value.status, op.status)
        remember(ctx, account, options, "finishRun", call, sameAnswer(finished.value))
        return true
      }
      case "TerminateRun": {
        const instance = at(account.instances, op.instance)
        if (instance === undefined) return false
        const reason = op.reason.trim()
        const errors: Array<string> = []
        if (reason.length === 0) errors.push("InvalidInput")
        if (isTerminal(instance.status)) errors.push("InvalidAction")
        const options = keyOf(ctx, op.keyed)
        const call = (o: typeof options) => session.terminateRun(instance.id, { reason: op.reason }, o)
        const terminated = yield* attempt(ctx, "instances", "terminateRun", expectFrom(errors), call(options))
        if (Option.isNone(terminated)) return true
        instance.status = "terminated"
        for (const span of instance.spans) if (!isTerminal(span.status)) span.status = "terminated"
        equal(ctx, "instances", "terminated instance", {
          status: terminated.value.status,
          termination_reason: terminated.value.termination_reason
        }, { status: "terminated", termination_reason: reason })
        remember(ctx, account, options, "terminateRun", call, sameAnswer(terminated.value))
        return true
      }

      // --- Spans -------------------------------------------------------------------------------
      case "RecordSpans":
        return yield* recordSpans(ctx, account, op)
      case "FinishSpan": {
        const span = at(spansOf(account), op.span)
        if (span === undefined) return false
        const instance = account.instances.find((i) => i.id === span.instance)
        if (instance === undefined) return false
        const result = op.result === null ? null : at(results, op.result) ?? null
        const input: Commands.FinishSpan = { status: op.status, ...(result === null ? {} : { result_payload: result }) }
        const options = keyOf(ctx, op.keyed)
        const call = (o: typeof options) => session.finishSpan(span.id, input, o)
        const finished = yield* attempt(ctx, "spans", `finishSpan (${op.status})`, expectFrom(isTerminal(span.status) ? ["InvalidAction"] : []), call(options))
        if (Option.isNone(finished)) return true
        span.status = op.status
        span.result = result ?? span.result
        span.conformance = {
          payload: span.conformance.payload,
          result: referenceConformance(instance.declared, span.type, span.payload, span.result, op.status).result
        }
        if (op.status === "cancelled" && span.points !== 0) {
          instance.total -= span.points
          span.points = 0
          instance.lowered = true
        }
        equal(ctx, "spans", "finished span", {
          status: finished.value.status,
          conformance: { payload: finished.value.conformance.payload, result: finished.value.conformance.result },
          risk_points: finished.value.risk_points
        }, { status: span.status, conformance: span.conformance, risk_points: span.points })
        remember(ctx, account, options, "finishSpan", call, sameAnswer(finished.value))
        return true
      }

      // --- Deployments -------------------------------------------------------------------------
      case "CreateDeployment": {
        const agent = at(account.agents, op.agent)
        const environment = at(account.environments, op.environment)
        if (agent === undefined || environment === undefined) return false
        const version = resolveVersion(account, agent, op.version)
        const errors: Array<string> = []
        if (account.deployments.some((d) => d.agent === agent.id && d.environment === environment.id)) errors.push("Conflict")
        if (version !== null && version.agent !== agent.id) errors.push("InvalidInput")
        const input: Commands.CreateDeployment = {
          agent_id: agent.id,
          environment_id: environment.id,
          ...(version === null ? {} : { current_version_id: version.id })
        }
        const options = keyOf(ctx, op.keyed)
        const call = (o: typeof options) => session.createDeployment(input, o)
        const created = yield* attempt(ctx, "deployments", "createDeployment", expectFrom(errors), call(options))
        if (Option.isNone(created)) return true
        const deployment: MDeployment = {
          id: created.value.deployment.id,
          agent: agent.id,
          environment: environment.id,
          current: version?.id ?? null,
          history: version === null ? [] : [{ from_version_id: null, to_version_id: version.id, cause: "api" }]
        }
        checkDeployment(ctx, deployment, created.value)
        account.deployments.push(deployment)
        remember(ctx, account, options, "createDeployment", call, sameAnswer(created.value))
        return true
      }
      case "UpdateDeployment": {
        const deployment = at(account.deployments, op.deployment)
        if (deployment === undefined) return false
        const agent = account.agents.find((a) => a.id === deployment.agent)
        if (agent === undefined) return false
        const version = resolveVersion(account, agent, op.version)
        const errors = version !== null && version.agent !== agent.id ? ["InvalidInput"] : []
        const options = keyOf(ctx, op.keyed)
        const call = (o: typeof options) => session.updateDeployment(deployment.id, { current_version_id: version?.id ?? null }, o)
        const updated = yield* attempt(ctx, "deployments", "updateDeployment", expectFrom(errors), call(options))
        if (Option.isNone(updated)) return true
        movePointer(deployment, version?.id ?? null, "api")
        checkDeployment(ctx, deployment, updated.value)
        remember(ctx, account, options, "updateDeployment", call, sameAnswer(updated.value))
        return true
      }
      case "RollbackDeployment": {
        const deployment = at(account.deployments, op.deployment)
        if (deployment === undefined) return false
        const agent = account.agents.find((a) => a.id === deployment.agent)
        if (agent === undefined) return false
        const current = versionsOf(agent).find((v) => v.id === deployment.current)
        // `none` asks for a proper rollback: a version of the agent older than the current one.
        const earlier = current === undefined ? [] : versionsOf(agent).filter((v) => v.sequence < current.sequence)
        const target = op.version.kind === "none"
          ? at(earlier.map((v) => ({ id: v.id, agent: agent.id, sequence: v.sequence })), op.deployment) ?? resolveVersion(account, agent, { kind: "own", pick: 0 })
          : resolveVersion(account, agent, op.version)
        if (target === null) return false
        const errors: Array<string> = []
        if (deployment.current === null) errors.push("InvalidAction")
        if (target.agent !== agent.id) errors.push("InvalidInput")
        else if (current !== undefined && target.sequence >= current.sequence) errors.push("InvalidInput")
        const options = keyOf(ctx, op.keyed)
        const call = (o: typeof options) => session.rollbackDeployment(deployment.id, { version_id: target.id }, o)
        const rolled = yield* attempt(ctx, "deployments", "rollbackDeployment", expectFrom(errors), call(options))
        if (Option.isNone(rolled)) return true
        movePointer(deployment, target.id, "rollback")
        checkDeployment(ctx, deployment, rolled.value)
        remember(ctx, account, options, "rollbackDeployment", call, sameAnswer(rolled.value))
        return true
      }
      case "DeleteDeployment": {
        const deployment = at(account.deployments, op.deployment)
        if (deployment === undefined) return false
        const used = account.instances.some((i) => i.deployment === deployment.id)
        const options = keyOf(ctx, op.keyed)
        const call = (o: typeof options) => session.deleteDeployment(deployment.id, o)
        const deleted = yield* attempt(ctx, "deployments", "deleteDeployment", expectFrom(used ? ["Conflict"] : []), call(options))
        if (Option.isNone(deleted)) return true
        account.deployments.splice(account.deployments.indexOf(deployment), 1)
        account.deploymentSessions.delete(deployment.id)
        // Its tokens are revoked with it.
        for (const token of account.tokens) {
          if (token.deployment === deployment.id && token.status !== "revoked") token.status = "revoked"
        }
        remember(ctx, account, options, "deleteDeployment", call, sameAnswer(deleted.value))
        return true
      }

      // --- Tokens ------------------------------------------------------------------------------
      case "CreateToken": {
        const deployment = op.deployment === null ? undefined : at(account.deployments, op.deployment)
        const expiresAt = op.expires === "never"
          ? undefined
          : DateTime.unsafeMake(Date.now() + (op.expires === "later" ? 86_400_000 : -3_600_000))
        const input: Commands.CreateToken = {
          ...(deployment === undefined ? { token_scope: "account" } : { token_scope: "agent_deployment", agent_deployment_id: deployment.id }),
          ...(expiresAt === undefined ? {} : { expires_at: expiresAt })
        }
        const options = keyOf(ctx, op.keyed)
        const call = (o: typeof options) => session.createToken(input, o)
        const created = yield* attempt(ctx, "behaviour", "createToken", expectFrom(op.expires === "past" ? ["InvalidInput"] : []), call(options))
        if (Option.isNone(created)) return true
        const { secret, token } = created.value
        if (secret === null || !secret.startsWith("pf_") || secret.length < 35) {
          ctx.violate("behaviour", `createToken must show a pf_ secret once; it answered ${String(secret)}`)
          return true
        }
        if (canonical(token).includes(secret)) ctx.violate("behaviour", `the token record ${token.id} carries its secret`)
        equal(ctx, "behaviour", "new token", {
          token_scope: token.token_scope,
          agent_deployment_id: token.agent_deployment_id,
          agent_id: token.agent_id,
          environment_id: token.environment_id,
          status: token.status
        }, {
          token_scope: deployment === undefined ? "account" : "agent_deployment",
          agent_deployment_id: deployment?.id ?? null,
          agent_id: deployment?.agent ?? null,
          environment_id: deployment?.environment ?? null,
          status: "active"
        })
        account.tokens.push({
          id: token.id,
          secret,
          scope: token.token_scope,
          deployment: deployment?.id ?? null,
          status: "active",
          expired: false,
          main: false
        })
        remember(ctx, account, options, "createToken", call, (again) => {
          const replay = again !== null && typeof again === "object" && "secret" in again && "token" in again ? again : undefined
          if (replay === undefined) return `replayed ${canonical(again)}`
          if (replay.secret !== null) return "a replayed createToken shows the secret again"
          return canonical(replay.token) === canonical(token) ? null : `replayed token ${canonical(replay.token)}, first was ${canonical(token)}`
        })
        return true
      }
      case "TokenAction": {
        const token = at(account.tokens.filter((t) => !t.main), op.token)
        if (token === undefined) return false
        const refused = op.action === "suspend"
          ? token.status !== "active"
          : op.action === "activate"
          ? token.status !== "suspended"
          : op.action === "revoke" || op.action === "expire"
          ? token.status === "revoked"
          : token.status !== "revoked"
        const options = keyOf(ctx, op.keyed)
        const call = (o: typeof options) => {
          switch (op.action) {
            case "suspend":
              return session.suspendToken(token.id, o)
            case "activate":
              return session.activateToken(token.id, o)
            case "revoke":
              return session.revokeToken(token.id, o)
            case "expire":
              return session.expireToken(token.id, o)
            case "delete":
              return session.deleteToken(token.id, o)
          }
        }
        const done = yield* attempt(ctx, "behaviour", `${op.action}Token`, expectFrom(refused ? ["InvalidAction"] : []), call(options))
        if (Option.isNone(done)) return true
        switch (op.action) {
          case "suspend":
            token.status = "suspended"
            break
          case "activate":
            token.status = "active"
            break
          case "revoke":
            token.status = "revoked"
            break
          case "expire":
            token.expired = true
            if (done.value.expires_at === null) ctx.violate("behaviour", `expireToken left ${token.id} without expires_at`)
            break
          case "delete":
            account.tokens.splice(account.tokens.indexOf(token), 1)
            account.deletedSecrets.push(token.secret)
            break
        }
        if (op.action !== "delete") equal(ctx, "behaviour", `token status after ${op.action}`, done.value.status, token.status)
        remember(ctx, account, options, `${op.action}Token`, call, sameAnswer(done.value))
        return true
      }
      case "Authenticate": {
        const candidates = [
          ...account.tokens.map((token) => ({ secret: token.secret, token })),
          ...account.deletedSecrets.map((secret) => ({ secret, token: undefined }))
        ]
        const candidate = at(candidates, op.token)
        if (candidate === undefined) return false
        const token = candidate.token
        const valid = token !== undefined && token.status === "active" && !token.expired
        const authenticated = yield* attempt(ctx, "behaviour", "authenticate", expectFrom(valid ? [] : ["Unauthenticated"]), ctx.ledger.authenticate(candidate.secret))
        if (Option.isSome(authenticated) && token !== undefined) {
          equal(ctx, "tenancy", "principal of an authenticated token", {
            account_id: authenticated.value.principal.account_id,
            token_id: authenticated.value.principal.token_id,
            token_scope: authenticated.value.principal.token_scope
          }, { account_id: account.id, token_id: token.id, token_scope: token.scope })
        }
        return true
      }

      case "CrossAccount":
        return yield* crossAccount(ctx, account, op.other, op.probe, op.pick)

      case "Retry":
      case "ReuseKey":
        return false
    }
  })

/** The version a deployment operation names, with its agent. */
const resolveVersion = (
  account: MAccount,
  agent: MAgent,
  ref: VersionRef
): { readonly id: Ids.AgentVersionId; readonly agent: Ids.AgentId; readonly sequence: number } | null => {
  if (ref.kind === "none") return null
  if (ref.kind === "own") {
    const version = at(versionsOf(agent), ref.pick)
    return version === undefined ? null : { id: version.id, agent: agent.id, sequence: version.sequence }
  }
  const others = account.agents.filter((a) => a !== agent).flatMap((a) => versionsOf(a).map((v) => ({ id: v.id, agent: a.id, sequence: v.sequence })))
  return at(others, ref.pick) ?? null
}

const movePointer = (deployment: MDeployment, to: Ids.AgentVersionId | null, cause: "run" | "api" | "rollback"): void => {
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

// --- Register ----------------------------------------------------------------------------------

/** The session of a token of the deployment, creating (and modelling) one when none is usable. */
const deploymentSession = (ctx: RunState, account: MAccount, deployment: MDeployment): Effect.Effect<Option.Option<LedgerSession>> =>
  Effect.gen(function*() {
    const cached = account.deploymentSessions.get(deployment.id)
    if (cached !== undefined) {
      const token = account.tokens.find((t) => t.id === cached.token)
      if (token !== undefined && token.status === "active" && !token.expired) return Option.some(cached.session)
    }
    const created = yield* attempt(
      ctx,
      "behaviour",
      "createToken (for a deployment)",
      ok,
      account.session.createToken({ token_scope: "agent_deployment", agent_deployment_id: deployment.id })
    )
    if (Option.isNone(created)) return Option.none()
    const secret = created.value.secret
    if (secret === null) {
      ctx.violate("behaviour", "createToken did not show the new token's secret")
      return Option.none()
    }
    account.tokens.push({
      id: created.value.token.id,
      secret,
      scope: "agent_deployment",
      deployment: deployment.id,
      status: "active",
      expired: false,
      main: false
    })
    const session = yield* attempt(ctx, "behaviour", "authenticate (deployment token)", ok, ctx.ledger.authenticate(secret))
    if (Option.isNone(session)) return Option.none()
    equal(ctx, "tenancy", "principal of a deployment token", session.value.principal, {
      account_id: account.id,
      token_id: created.value.token.id,
      token_scope: "agent_deployment",
      agent_id: deployment.agent,
      environment_id: deployment.environment,
      agent_deployment_id: deployment.id
    })
    account.deploymentSessions.set(deployment.id, { token: created.value.token.id, session: session.value })
    return Option.some(session.value)
  })

const registerRun = (
  ctx: RunState,
  workload: Workload,
  account: MAccount,
  op: Extract<Op, { readonly _tag: "RegisterRun" }>
): Effect.Effect<boolean> =>
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
    const chosen = op.clientId === "none"
      ? undefined
      : Ids.InstanceId.make(
        op.clientId === "own"
          ? clientId(ctx, account)
          : clientId(ctx, otherAccount(ctx, account, op.form) ?? account)
      )
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
    const options = keyOf(ctx, op.keyed)
    const call = (o: typeof options) => session.registerRun(input, o)
    const registered = yield* attempt(ctx, "fingerprints", `registerRun (${op.via} token)`, expectFrom(errors), call(options))
    if (Option.isNone(registered)) return true
    const instance = registered.value

    equal(ctx, "instances", "registered instance", {
      id: chosen === undefined ? "(minted)" : instance.id,
      account_id: instance.account_id,
      agent_id: instance.agent_id,
      environment_id: instance.environment_id,
      status: instance.status,
      purpose: instance.purpose
    }, { id: chosen ?? "(minted)", account_id: account.id, agent_id: agent.id, environment_id: environmentId, status: "pending", purpose: op.purpose })

    // Invariant 3: the same content reuses the schema version and the version; new content makes new ones.
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
    } else {
      if (versionsOf(agent).some((v) => v.id === instance.agent_version_id)) {
        ctx.violate("fingerprints", `new version content reused version ${instance.agent_version_id} of other content`)
      }
      const sequence = agent.versions.size + 1
      const schemaVersionId = agent.schemaVersions.get(schemaKey)?.id ?? instance.agent_schema_version_id
      agent.versions.set(versionKey, { id: instance.agent_version_id, sequence, schemaVersion: schemaVersionId })
      const version = yield* read(ctx, "fingerprints", `getVersion(${instance.agent_version_id})`, account.session.getVersion(instance.agent_version_id))
      if (Option.isSome(version)) {
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
      }
    }

    // The deployment: created on the first run with update_current_version, pointer moved.
    let deployment = account.deployments.find((d) => d.agent === agent.id && d.environment === environmentId)
    if (op.updateCurrentVersion) {
      if (deployment === undefined) {
        if (instance.agent_deployment_id === null || account.deployments.some((d) => d.id === instance.agent_deployment_id)) {
          ctx.violate("deployments", `the first run in an environment must create its deployment; the instance names ${instance.agent_deployment_id}`)
          return true
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
    if (op.via === "account") remember(ctx, account, options, "registerRun", call, sameAnswer(instance))
    return true
  })

// --- Spans -------------------------------------------------------------------------------------

interface PlannedSpan {
  readonly spec: SpanSpec
  readonly id: Ids.SpanId | undefined
  readonly parent: Ids.SpanId | null
  readonly type: string
  readonly payload: (typeof payloads)[number]
  readonly result: (typeof results)[number] | null
}

const recordSpans = (ctx: RunState, account: MAccount, op: Extract<Op, { readonly _tag: "RecordSpans" }>): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    const instance = at(account.instances, op.instance)
    if (instance === undefined) return false
    const errors = new Set<string>()
    const planned: Array<PlannedSpan> = []
    const allSpans = spansOf(account)
    let status = instance.status
    for (const spec of op.spans) {
      let id: Ids.SpanId | undefined
      let spanErrors = 0
      const fail = (tag: string) => {
        errors.add(tag)
        spanErrors++
      }
      let kind = spec.clientId
      if (spec.parent.kind === "self" && kind !== "own") kind = "own"
      switch (kind) {
        case "none":
          id = undefined
          break
        case "own":
          id = Ids.SpanId.make(clientId(ctx, account))
          break
        case "foreign":
          id = Ids.SpanId.make(clientId(ctx, otherAccount(ctx, account, spec.payload) ?? account))
          fail("InvalidInput")
          break
        case "duplicate": {
          const existing = at(allSpans, spec.payload)
          id = existing?.id ?? Ids.SpanId.make(clientId(ctx, account))
          if (existing !== undefined) fail("Conflict")
          break
        }
      }
      if (id !== undefined && planned.some((p) => p.id === id)) fail("Conflict")
      let parent: Ids.SpanId | null = null
      switch (spec.parent.kind) {
        case "none":
          break
        case "batch":
          parent = at(planned.flatMap((p) => (p.id === undefined ? [] : [p.id])), spec.parent.pick) ?? null
          break
        case "same":
          parent = at(instance.spans, spec.parent.pick)?.id ?? null
          break
        case "other": {
          const other = at(allSpans.filter((s) => s.instance !== instance.id), spec.parent.pick)
          parent = other?.id ?? null
          if (other !== undefined) fail("InvalidInput")
          break
        }
        case "self":
          parent = id ?? null
          fail("NotFound")
          break
      }
      const open = spec.status === "pending" || spec.status === "active"
      if (open && spec.result !== null) fail("InvalidInput")
      if (open && spec.finishedAt) fail("InvalidInput")
      if (isTerminal(status)) fail("InvalidAction")
      else if (spanErrors === 0) status = "active"
      const payload = at(payloads, spec.payload) ?? {}
      planned.push({
        spec,
        id,
        parent,
        type: spanTypeNames[spec.type] ?? "undeclared:type",
        payload,
        result: spec.result === null ? null : at(results, spec.result) ?? null
      })
    }
    const inputs: Array<Commands.CreateSpan> = planned.map((p) => ({
      agent_instance_id: instance.id,
      schema_name: p.type,
      status: p.spec.status,
      payload: p.payload,
      ...(p.result === null ? {} : { result_payload: p.result }),
      ...(p.parent === null ? {} : { parent_span_id: p.parent }),
      ...(p.spec.startedAt === null ? {} : { started_at: DateTime.unsafeMake(ctx.base + p.spec.startedAt * 1000) }),
      ...(p.spec.finishedAt ? { finished_at: DateTime.unsafeMake(ctx.base + 1000) } : {}),
      ...(p.id === undefined ? {} : { id: p.id })
    }))
    const options = keyOf(ctx, op.keyed)
    const expect = expectFrom(errors)
    let recorded: Option.Option<ReadonlyArray<{
      readonly id: Ids.SpanId
      readonly parent_span_id: string | null
      readonly status: string
      readonly schema_name: string
      readonly started_at: DateTime.Utc
      readonly agent_instance_id: string
      readonly conformance: { readonly payload: string; readonly result: string }
      readonly risk_points: number
    }>>
    if (op.batch) {
      const call = (o: typeof options) => account.session.recordSpans(inputs, o)
      recorded = yield* attempt(ctx, "spans", `recordSpans (${inputs.length})`, expect, call(options))
      if (Option.isSome(recorded)) remember(ctx, account, options, "recordSpans", call, sameAnswer(recorded.value))
    } else {
      const first = inputs[0]
      if (first === undefined) return false
      const call = (o: typeof options) => account.session.recordSpan(first, o)
      const one = yield* attempt(ctx, "spans", "recordSpan", expect, call(options))
      recorded = Option.map(one, (span) => [span])
      if (Option.isSome(one)) remember(ctx, account, options, "recordSpan", call, sameAnswer(one.value))
    }
    if (Option.isNone(recorded)) return true
    if (recorded.value.length !== planned.length) {
      ctx.violate("spans", `${planned.length} span(s) accepted, ${recorded.value.length} answered`)
      return true
    }
    if (instance.status === "pending") instance.status = "active"
    for (const [index, span] of recorded.value.entries()) {
      const plan = planned[index]
      if (plan === undefined) continue
      const points = instance.revision !== null && plan.spec.status !== "cancelled" ? instance.scores.get(plan.type) ?? 0 : 0
      const model: MSpan = {
        id: span.id,
        instance: instance.id,
        parent: plan.parent,
        type: plan.type,
        status: plan.spec.status,
        payload: plan.payload,
        result: plan.result,
        startedAt: DateTime.toEpochMillis(span.started_at),
        order: instance.spans.length + 1,
        points,
        conformance: referenceConformance(instance.declared, plan.type, plan.payload, plan.result, plan.spec.status)
      }
      equal(ctx, "spans", "recorded span", {
        id: plan.id === undefined ? "(minted)" : span.id,
        agent_instance_id: span.agent_instance_id,
        parent_span_id: span.parent_span_id,
        status: span.status,
        schema_name: span.schema_name,
        started_at: plan.spec.startedAt === null ? "(now)" : DateTime.toEpochMillis(span.started_at)
      }, {
        id: plan.id ?? "(minted)",
        agent_instance_id: instance.id,
        parent_span_id: plan.parent,
        status: plan.spec.status,
        schema_name: plan.type,
        started_at: plan.spec.startedAt === null ? "(now)" : ctx.base + plan.spec.startedAt * 1000
      })
      equal(ctx, "conformance", `conformance of new span ${span.id} (independent Ajv check)`, {
        payload: span.conformance.payload,
        result: span.conformance.result
      }, model.conformance)
      equal(ctx, "risk", `risk points of new span ${span.id}`, span.risk_points, points)
      instance.spans.push(model)
      if (points !== 0 && instance.thresholds !== null) {
        instance.total += points
        instance.peak = higherLevel(instance.peak, referenceLevel(instance.total, instance.thresholds))
      }
    }
    return true
  })

// --- Cross-account probes ----------------------------------------------------------------------

const crossAccount = (ctx: RunState, account: MAccount, otherPick: number, probe: Probe, pick: number): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    const other = otherAccount(ctx, account, otherPick)
    if (other === undefined) return false
    const session = account.session
    const label = `${probe}: account #${account.index} naming a record of account #${other.index}`
    const notFound = <A, E extends Tagged>(effect: Effect.Effect<A, E>) =>
      Effect.as(attempt(ctx, "tenancy", label, failsWith(["NotFound"]), effect), true)
    const theirAgent = at(other.agents, pick)
    const theirEnvironment = at(other.environments, pick)
    const theirInstance = at(other.instances, pick)
    const theirSpan = at(spansOf(other), pick)
    const theirDeployment = at(other.deployments, pick)
    const theirProfile = at(other.profiles, pick)
    const theirToken = at(other.tokens, pick)
    const theirVersion = at(other.agents.flatMap(versionsOf), pick)
    const myAgent = at(account.agents.filter((a) => a.status !== "retired"), pick)
    const myEnvironment = at(account.environments, pick)
    const schema = { agent_version: {}, agent_schema_version: {}, update_current_version: true, purpose: "live" } as const
    switch (probe) {
      case "getAgent":
        return theirAgent === undefined ? false : yield* notFound(session.getAgent(theirAgent.id))
      case "getEnvironment":
        return theirEnvironment === undefined ? false : yield* notFound(session.getEnvironment(theirEnvironment.id))
      case "getInstance":
        return theirInstance === undefined ? false : yield* notFound(session.getInstance(theirInstance.id))
      case "getTimeline":
        return theirInstance === undefined ? false : yield* notFound(session.getTimeline(theirInstance.id))
      case "getRiskReport":
        return theirInstance === undefined ? false : yield* notFound(session.getRiskReport(theirInstance.id))
      case "getSpan":
        return theirSpan === undefined ? false : yield* notFound(session.getSpan(theirSpan.id))
      case "getVersion":
        return theirVersion === undefined ? false : yield* notFound(session.getVersion(theirVersion.id))
      case "getSchemaVersion":
        return theirVersion === undefined ? false : yield* notFound(session.getSchemaVersion(theirVersion.schemaVersion))
      case "getDeployment":
        return theirDeployment === undefined ? false : yield* notFound(session.getDeployment(theirDeployment.id))
      case "getRiskProfile":
        return theirProfile === undefined ? false : yield* notFound(session.getRiskProfile(theirProfile.id))
      case "getToken":
        return theirToken === undefined ? false : yield* notFound(session.getToken(theirToken.id))
      case "listVersions": {
        if (theirAgent === undefined) return false
        const listed = yield* Effect.either(session.listVersions({ offset: 0, page_size: 100, agent_id: theirAgent.id }))
        if (listed._tag === "Right" && listed.right.items.length > 0) ctx.violate("tenancy", `${label}: listVersions returned ${listed.right.items.length} version(s)`)
        if (listed._tag === "Left" && listed.left._tag !== "NotFound") ctx.violate("tenancy", `${label}: listVersions answered ${listed.left._tag}`)
        return true
      }
      case "listInstancesOfAgent": {
        if (theirAgent === undefined) return false
        const listed = yield* read(ctx, "tenancy", label, session.listInstances({ offset: 0, page_size: 100, agent_id: theirAgent.id }))
        if (Option.isSome(listed) && listed.value.items.length > 0) ctx.violate("tenancy", `${label}: listInstances returned ${listed.value.items.length} instance(s)`)
        return true
      }
      case "listSpansOfInstance": {
        if (theirInstance === undefined) return false
        const listed = yield* Effect.either(session.listSpans({ offset: 0, page_size: 100, agent_instance_id: theirInstance.id }))
        if (listed._tag === "Right" && listed.right.items.length > 0) ctx.violate("tenancy", `${label}: listSpans returned ${listed.right.items.length} span(s)`)
        if (listed._tag === "Left" && listed.left._tag !== "NotFound") ctx.violate("tenancy", `${label}: listSpans answered ${listed.left._tag}`)
        return true
      }
      case "registerWithForeignAgent":
        return theirAgent === undefined || myEnvironment === undefined
          ? false
          : yield* notFound(session.registerRun({ ...schema, agent_id: theirAgent.id, environment_id: myEnvironment.id }))
      case "registerWithForeignEnvironment":
        return myAgent === undefined || theirEnvironment === undefined
          ? false
          : yield* notFound(session.registerRun({ ...schema, agent_id: myAgent.id, environment_id: theirEnvironment.id }))
      case "spanOnForeignInstance":
        return theirInstance === undefined
          ? false
          : yield* notFound(session.recordSpan({ agent_instance_id: theirInstance.id, schema_name: "llm", status: "active", payload: {} }))
      case "spanWithForeignParent": {
        const mine = at(account.instances.filter((i) => !isTerminal(i.status)), pick)
        return mine === undefined || theirSpan === undefined
          ? false
          : yield* notFound(session.recordSpan({ agent_instance_id: mine.id, schema_name: "llm", status: "active", payload: {}, parent_span_id: theirSpan.id }))
      }
      case "deployForeignAgent":
        return theirAgent === undefined || myEnvironment === undefined
          ? false
          : yield* notFound(session.createDeployment({ agent_id: theirAgent.id, environment_id: myEnvironment.id }))
      case "deployForeignEnvironment":
        return myAgent === undefined || theirEnvironment === undefined
          ? false
          : yield* notFound(session.createDeployment({ agent_id: myAgent.id, environment_id: theirEnvironment.id }))
      case "pointAtForeignVersion": {
        const mine = at(account.deployments, pick)
        return mine === undefined || theirVersion === undefined
          ? false
          : yield* notFound(session.updateDeployment(mine.id, { current_version_id: theirVersion.id }))
      }
      case "assignForeignProfile":
        return myAgent === undefined || theirProfile === undefined
          ? false
          : yield* notFound(session.updateAgent(myAgent.id, { risk_profile_id: theirProfile.id }))
      case "tokenForForeignDeployment":
        return theirDeployment === undefined
          ? false
          : yield* notFound(session.createToken({ token_scope: "agent_deployment", agent_deployment_id: theirDeployment.id }))
      case "finishForeignSpan":
        return theirSpan === undefined ? false : yield* notFound(session.finishSpan(theirSpan.id, { status: "complete" }))
      case "startForeignRun":
        return theirInstance === undefined ? false : yield* notFound(session.startRun(theirInstance.id, {}))
      case "terminateForeignRun":
        return theirInstance === undefined ? false : yield* notFound(session.terminateRun(theirInstance.id, { reason: "not yours" }))
      case "retireForeignAgent":
        return theirAgent === undefined ? false : yield* notFound(session.retireAgent(theirAgent.id))
      case "deleteForeignEnvironment":
        return theirEnvironment === undefined ? false : yield* notFound(session.deleteEnvironment(theirEnvironment.id))
      case "foreignClientId": {
        const id = Ids.AgentId.make(clientId(ctx, other))
        yield* attempt(ctx, "tenancy", `${label} (an agent id in its partition)`, failsWith(["InvalidInput"]), session.createAgent({ id, name: "Intruder" }))
        return true
      }
    }
  })

// --- Idempotency -------------------------------------------------------------------------------

const retry = (ctx: RunState, pick: number): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    const key = at(ctx.keys, pick)
    if (key === undefined) return false
    const again = yield* attempt(ctx, "idempotency", `retry of ${key.label} with key ${key.key}`, ok, key.call())
    if (Option.isSome(again)) {
      const difference = key.check(again.value)
      if (difference !== null) ctx.violate("idempotency", `retry of ${key.label} with key ${key.key}: ${difference}`)
    }
    return true
  })

const reuseKey = (ctx: RunState, pick: number): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    const key = at(ctx.keys, pick)
    if (key === undefined) return false
    yield* attempt(
      ctx,
      "idempotency",
      `another request under key ${key.key} (first used by ${key.label})`,
      failsWith(["Conflict"]),
      key.account.session.createEnvironment({ name: `reuse-${ctx.step}`, purpose: "testing" }, { idempotencyKey: key.key })
    )
    return true
  })
