/**
 * Concurrent interleavings: many fibers racing one another on the same records. Each scenario
 * is a plain function that answers a `Report` (so a test can also show that a broken adapter
 * fails it); `ledgerConformance` registers them as tests.
 *
 * A scenario may be given `peers`: further ledgers over the same store, as further server
 * processes over one database would be (each with its own caches and its own pool). Its racing
 * fibers are then spread over all the ledgers — fiber `i` on ledger `i mod n` — so a race that
 * one process settles in memory must be settled by the store.
 */
import { DataRisk, Ids, Ledger, type LedgerSession } from "@agentledger/domain"
import { Cause, Context, Effect, Either, Layer, Option, Schema } from "effect"
import { everything, runCommand } from "./fixtures.js"
import { describeError, type LedgerService, type Report, RunState } from "./model.js"
import { canonical } from "./reference.js"
import { renderSchema, renderVersion, type SchemaSpec, type VersionSpec } from "./specs.js"

/** How many fibers race in each scenario by default. */
export const defaultFibers = 16

/** Ledgers besides the first, over the same store: what a second process would be. */
export type Peers<E> = ReadonlyArray<() => Layer.Layer<Ledger, E>>

/** One account's sessions on every ledger of a scenario. */
export interface Racers {
  /** The session on the first ledger: set-up and checks. */
  readonly session: LedgerSession
  /** The session fiber `i` races with: on ledger `i mod n`. */
  readonly of: (fiber: number) => LedgerSession
}

interface Arena {
  readonly ctx: RunState
  readonly racers: Racers
  /** The sessions of another account's secret, spread alike. */
  readonly racersOf: (secret: string) => Effect.Effect<Racers, unknown>
  /** Every ledger of the scenario, the first one first. */
  readonly ledgers: ReadonlyArray<LedgerService>
  readonly fibers: number
}

type Scenario = (arena: Arena) => Effect.Effect<void, unknown>

/** A concurrent scenario as a test runs it: on a fresh ledger, `fibers` racing, spread over `peers`. */
export type ConcurrentScenario = <E>(makeLayer: () => Layer.Layer<Ledger, E>, fibers?: number, peers?: Peers<E>) => Effect.Effect<Report, E>

/**
 * A scenario: each run is on a fresh ledger (and fresh peers), in a new account; anything
 * unexpected lands in the report.
 */
const scenario = (body: Scenario): ConcurrentScenario => (makeLayer, fibers = defaultFibers, peers = []) =>
  Effect.scoped(Effect.gen(function*() {
    const ledger = yield* Ledger
    const others = yield* Effect.forEach(peers, (peer) => Effect.map(Layer.build(peer()), Context.get(Ledger)))
    const ledgers = [ledger, ...others]
    const ctx = new RunState(ledger, 7)
    ctx.operation = "concurrent"
    const racersOf = (secret: string): Effect.Effect<Racers, unknown> =>
      Effect.gen(function*() {
        const session = yield* ledger.authenticate(secret)
        const sessions = [session, ...yield* Effect.forEach(others, (other) => other.authenticate(secret))]
        return { session, of: (fiber: number) => sessions[fiber % sessions.length] ?? session }
      })
    const outcome = yield* Effect.exit(Effect.gen(function*() {
      const created = yield* ledger.createAccount({ name: "Racers" })
      const racers = yield* racersOf(created.secret)
      yield* body({ ctx, racers, racersOf, ledgers, fibers })
    }))
    if (outcome._tag === "Failure") {
      const failure = Cause.failureOption(outcome.cause)
      ctx.violate("behaviour", Option.isSome(failure) ? `failed with ${describeError(failure.value)}` : `died: ${Cause.pretty(outcome.cause).slice(0, 2000)}`)
    }
    return { steps: fibers, executed: fibers, outcomes: ctx.outcomes, violations: ctx.violations }
  })).pipe(Effect.provide(makeLayer()))

const environmentNamed = (session: LedgerSession, name: string) =>
  Effect.flatMap(session.listEnvironments(everything), (page) => {
    const environment = page.items.find((e) => e.name === name)
    return environment === undefined ? Effect.fail(`no ${name} environment`) : Effect.succeed(environment)
  })

/** A fixed content for racing first runs, written in a different form by each fiber. */
const raceSchema: SchemaSpec = {
  external_identifier: "race-1",
  types: [
    { name: "agent", params: {}, result: {}, title: null, description: null, data_risk: DataRisk.unknownDataRisk },
    {
      name: "crm:lookup",
      params: { type: "object", properties: { customer_id: { type: "string" } }, required: ["customer_id"] },
      result: {},
      title: "CRM lookup",
      description: "reads a customer",
      data_risk: Schema.decodeUnknownSync(DataRisk.DataRisk)({
        action_profile: { read_data: "allowed" },
        result_data_categories: { personal_identifiers: "included" }
      })
    },
    { name: "llm", params: { type: "object", required: ["prompt"] }, result: { type: "object" }, title: null, description: null, data_risk: DataRisk.unknownDataRisk }
  ]
}
const raceVersion: VersionSpec = {
  external_identifier: "1.0.0",
  prefactor_sdk: ["@prefactor/core@0.2.9", "@prefactor/ai@0.3.1"],
  agent_sdk: null,
  runtime: "node 20.11.0",
  os: "linux"
}

/**
 * Invariant 3 under concurrency: fibers register the first runs of one agent at once, each with
 * the same content in another form: exactly one version, one schema version, one deployment.
 */
export const concurrentFirstRuns: ConcurrentScenario = scenario(({ ctx, fibers: n, racers: { of, session } }) =>
  Effect.gen(function*() {
    const agent = yield* session.createAgent({ name: "Racer" })
    const production = yield* environmentNamed(session, "production")
    const runs = yield* Effect.all(
      Array.from({ length: n }, (_, i) =>
        of(i).registerRun(runCommand(agent.id, production.id, {
          version: renderVersion(raceVersion, { name: `Racer ${i}`, description: null }, i),
          schema: renderSchema(raceSchema, i)
        }))),
      { concurrency: "unbounded" }
    )
    const versions = new Set(runs.map((r) => r.agent_version_id))
    const schemas = new Set(runs.map((r) => r.agent_schema_version_id))
    const deployments = new Set(runs.map((r) => r.agent_deployment_id))
    if (versions.size !== 1) ctx.violate("fingerprints", `${n} concurrent first runs with one content made ${versions.size} versions`)
    if (schemas.size !== 1) ctx.violate("fingerprints", `${n} concurrent first runs with one content made ${schemas.size} schema versions`)
    if (deployments.size !== 1) ctx.violate("deployments", `${n} concurrent first runs in one environment were stamped with ${deployments.size} deployments`)
    const listedVersions = yield* session.listVersions({ ...everything, agent_id: agent.id })
    const listedSchemas = yield* session.listSchemaVersions({ ...everything, agent_id: agent.id })
    if (listedVersions.pagination.item_count !== 1) ctx.violate("fingerprints", `the agent lists ${listedVersions.pagination.item_count} versions`)
    if (listedSchemas.pagination.item_count !== 1) ctx.violate("fingerprints", `the agent lists ${listedSchemas.pagination.item_count} schema versions`)
    const listedDeployments = yield* session.listDeployments({ ...everything, agent_id: agent.id, environment_id: production.id })
    if (listedDeployments.pagination.item_count !== 1) {
      ctx.violate("deployments", `${listedDeployments.pagination.item_count} deployments for one agent in one environment`)
    }
    for (const deployment of listedDeployments.items) {
      const history = (yield* session.getDeployment(deployment.id)).history
      if (history.length !== 1) ctx.violate("deployments", `the deployment's pointer moved ${history.length} times for one version`)
    }
    const instances = yield* session.listInstances({ ...everything, agent_id: agent.id })
    if (instances.pagination.item_count !== n) ctx.violate("instances", `${n} runs registered, ${instances.pagination.item_count} listed`)
  }))

/**
 * Invariant 2 under concurrency: fibers create the same deployment at once (exactly one
 * succeeds), and first runs race an explicit creation in another environment (one deployment).
 */
export const concurrentDeploymentCreation: ConcurrentScenario = scenario(({ ctx, fibers: n, racers: { of, session } }) =>
  Effect.gen(function*() {
    const agent = yield* session.createAgent({ name: "Racer" })
    const production = yield* environmentNamed(session, "production")
    const staging = yield* environmentNamed(session, "staging")
    const attempts = yield* Effect.all(
      Array.from({ length: n }, (_, i) => Effect.either(of(i).createDeployment({ agent_id: agent.id, environment_id: production.id }))),
      { concurrency: "unbounded" }
    )
    const created = attempts.filter(Either.isRight)
    const refusals = attempts.filter(Either.isLeft).map((a) => a.left._tag)
    if (created.length !== 1) ctx.violate("deployments", `${n} concurrent creations of one deployment: ${created.length} succeeded`)
    if (refusals.some((tag) => tag !== "Conflict")) ctx.violate("deployments", `the losing creations answered ${[...new Set(refusals)].join(", ")}, not Conflict`)
    const mixed = yield* Effect.all(
      Array.from({ length: n }, (_, i) =>
        i % 2 === 0
          ? Effect.either(Effect.map(of(i).createDeployment({ agent_id: agent.id, environment_id: staging.id }), (d) => d.deployment.id))
          : Effect.either(Effect.map(
            of(i).registerRun(runCommand(agent.id, staging.id, { version: { external_identifier: "1.0.0" } })),
            (run) => run.agent_deployment_id
          ))),
      { concurrency: "unbounded" }
    )
    const runsFailed = mixed.filter((m, i) => i % 2 === 1 && Either.isLeft(m))
    if (runsFailed.length > 0) ctx.violate("deployments", `${runsFailed.length} runs racing a deployment's creation were refused`)
    for (const [pair, environment] of [["production", production.id], ["staging", staging.id]] as const) {
      const listed = yield* session.listDeployments({ ...everything, agent_id: agent.id, environment_id: environment })
      if (listed.pagination.item_count !== 1) ctx.violate("deployments", `${listed.pagination.item_count} deployments of one agent in ${pair}`)
      const stamped = new Set(mixed.flatMap((m, i) => (i % 2 === 1 && Either.isRight(m) ? [m.right] : [])))
      if (pair === "staging" && (stamped.size !== 1 || !listed.items.some((d) => stamped.has(d.id)))) {
        ctx.violate("deployments", `runs racing a deployment's creation were stamped with ${[...stamped].join(", ")}; the environment lists ${listed.items.map((d) => d.id).join(", ")}`)
      }
    }
  }))

/**
 * Invariant 8 under concurrency: fibers send the same keyed request at once — one effect, one
 * answer — for an agent, a run and a span.
 */
export const concurrentIdempotentCalls: ConcurrentScenario = scenario(({ ctx, fibers: n, racers: { of, session } }) =>
  Effect.gen(function*() {
    const production = yield* environmentNamed(session, "production")
    const all = <A, E2>(call: (racer: LedgerSession) => Effect.Effect<A, E2>) =>
      Effect.all(Array.from({ length: n }, (_, i) => call(of(i))), { concurrency: "unbounded" })
    const check = (what: string, answers: ReadonlyArray<unknown>) => {
      const distinct = new Set(answers.map(canonical))
      if (distinct.size !== 1) ctx.violate("idempotency", `${n} concurrent ${what} calls with one key answered ${distinct.size} different answers`)
    }
    const agents = yield* all((racer) => racer.createAgent({ name: "Once" }, { idempotencyKey: "agent" }))
    check("createAgent", agents)
    const agent = agents[0]
    if (agent === undefined) return
    const listedAgents = yield* session.listAgents(everything)
    if (listedAgents.pagination.item_count !== 1) ctx.violate("idempotency", `one keyed createAgent made ${listedAgents.pagination.item_count} agents`)
    const runs = yield* all((racer) =>
      racer.registerRun(runCommand(agent.id, production.id, { version: {} }), { idempotencyKey: "run" })
    )
    check("registerRun", runs)
    const listedRuns = yield* session.listInstances(everything)
    if (listedRuns.pagination.item_count !== 1) ctx.violate("idempotency", `one keyed registerRun made ${listedRuns.pagination.item_count} instances`)
    const run = runs[0]
    if (run === undefined) return
    const spans = yield* all((racer) => racer.recordSpan({ agent_instance_id: run.id, schema_name: "agent", status: "active", payload: {} }, { idempotencyKey: "span" }))
    check("recordSpan", spans)
    const timeline = yield* session.getTimeline(run.id)
    if (timeline.spans.length !== 1) ctx.violate("idempotency", `one keyed recordSpan stored ${timeline.spans.length} spans`)
  }))

/**
 * Invariants 4 and 5 under concurrency: spans recorded at once are each stored once with
 * distinct sequence numbers; a span finished at once by many fibers finishes once; a
 * termination racing new spans leaves a consistent run, every span closed, and each span
 * answered after it carries the control that stops its agent.
 */
export const concurrentSpans: ConcurrentScenario = scenario(({ ctx, fibers: n, racers: { of, session } }) =>
  Effect.gen(function*() {
    const production = yield* environmentNamed(session, "production")
    const agent = yield* session.createAgent({ name: "Racer" })
    const register = session.registerRun(runCommand(agent.id, production.id, { version: {} }))
    const run = yield* register
    const root = yield* session.recordSpan({ agent_instance_id: run.id, schema_name: "agent", status: "active", payload: {} })
    const spans = yield* Effect.all(
      Array.from({ length: n }, (_, i) =>
        of(i).recordSpan({ agent_instance_id: run.id, parent_span_id: root.id, schema_name: "llm", status: i % 2 === 0 ? "active" : "complete", payload: { prompt: "p" } })),
      { concurrency: "unbounded" }
    )
    const sequences = [root, ...spans].map((s) => s.sequence).sort((a, b) => a - b)
    if (canonical(sequences) !== canonical(Array.from({ length: n + 1 }, (_, i) => i + 1))) {
      ctx.violate("spans", `${n + 1} spans of one run carry sequences ${sequences.join(",")}`)
    }
    const timeline = yield* session.getTimeline(run.id)
    if (timeline.spans.length !== n + 1 || new Set(timeline.spans.map((s) => s.span.id)).size !== n + 1) {
      ctx.violate("spans", `${n + 1} spans recorded, the timeline holds ${timeline.spans.length}`)
    }
    if (timeline.instance.span_counts.total !== n + 1) ctx.violate("spans", `span_counts.total is ${timeline.instance.span_counts.total}, not ${n + 1}`)

    const finishes = yield* Effect.all(Array.from({ length: n }, (_, i) => Effect.either(of(i).finishSpan(root.id, { status: "complete" }))), {
      concurrency: "unbounded"
    })
    const finished = finishes.filter(Either.isRight).length
    if (finished !== 1) ctx.violate("spans", `${n} concurrent finishes of one span: ${finished} succeeded`)
    if (finishes.some((f) => Either.isLeft(f) && f.left._tag !== "InvalidAction")) ctx.violate("spans", "a losing finish did not answer InvalidAction")

    const racing = yield* register
    const outcome = yield* Effect.all([
      Effect.either(session.terminateRun(racing.id, { reason: "stop" })),
      // Fiber 0 terminates; the spans start at fiber 1, so with peers some race from elsewhere.
      ...Array.from({ length: n }, (_, i) =>
        Effect.either(of(i + 1).recordSpanWithControl({ agent_instance_id: racing.id, schema_name: "llm", status: "active", payload: {} })))
    ], { concurrency: "unbounded" })
    const [terminated, ...recorded] = outcome
    if (terminated === undefined || Either.isLeft(terminated)) ctx.violate("instances", "terminating a run racing its spans failed")
    // A terminated run keeps the spans its agent still reports (closed), and tells the agent to stop.
    const accepted = recorded.filter(Either.isRight)
    if (accepted.length !== n) ctx.violate("instances", `${n - accepted.length} of ${n} spans racing a termination were refused`)
    for (const { right: reply } of accepted) {
      const stopped = reply.control !== null
      if (stopped && canonical(reply.control) !== canonical({ terminate: true, reason: "stop" })) {
        ctx.violate("instances", `a span after termination answered control ${canonical(reply.control)}`)
      }
      if (stopped !== (reply.span.status === "terminated")) {
        ctx.violate("instances", `a span answered ${stopped ? "with" : "without"} control was recorded ${reply.span.status}`)
      }
    }
    const after = yield* session.getTimeline(racing.id)
    if (after.instance.status !== "terminated") ctx.violate("instances", `the run is ${after.instance.status} after terminate`)
    if (after.spans.length !== accepted.length) ctx.violate("spans", `${accepted.length} spans accepted, ${after.spans.length} stored`)
    if (after.spans.some((s) => s.span.status !== "terminated")) ctx.violate("instances", "an open span survived its run's termination")
  }))

/**
 * Invariant 1 under concurrency: two accounts write at once; neither sees the other's records.
 */
export const concurrentTenants: ConcurrentScenario = scenario(({ ctx, fibers: n, racers, racersOf }) =>
  Effect.gen(function*() {
    const created = yield* ctx.ledger.createAccount({ name: "Second" })
    const others = yield* racersOf(created.secret)
    const first = racers.session
    const second = others.session
    const work = ({ of, session }: Racers) =>
      Effect.gen(function*() {
        const production = yield* environmentNamed(session, "production")
        const agent = yield* session.createAgent({ name: "Bot" })
        yield* Effect.all(
          Array.from({ length: n }, (_, i) =>
            of(i).registerRun(runCommand(agent.id, production.id, { version: {} }))),
          { concurrency: "unbounded" }
        )
      })
    yield* Effect.all([work(racers), work(others)], { concurrency: "unbounded" })
    for (const [session, account] of [[first, first.principal.account_id], [second, second.principal.account_id]] as const) {
      const instances = yield* session.listInstances(everything)
      if (instances.pagination.item_count !== n) ctx.violate("tenancy", `account ${account} lists ${instances.pagination.item_count} instances, not ${n}`)
      if (instances.items.some((i) => i.account_id !== account)) ctx.violate("tenancy", `account ${account} lists another account's instances`)
      const versions = yield* session.listAgents(everything)
      if (versions.items.some((a) => a.account_id !== account)) ctx.violate("tenancy", `account ${account} lists another account's agents`)
      if (!Ids.isInPartition(instances.items[0]?.id ?? "", Ids.partitionOf(account))) {
        ctx.violate("tenancy", `account ${account}'s ids are not minted in its partition`)
      }
    }
  }))

/**
 * Invariant 8 for the operator: fibers open an account with one idempotency key at once — one
 * account is opened, every answer names it, and only the answer that opened it shows its secret.
 */
export const concurrentAccountCreations: ConcurrentScenario = scenario(({ ctx, fibers: n, ledgers, racers }) =>
  Effect.gen(function*() {
    // An operator's keys span the whole store: the scenario's own account names a fresh key.
    const key = `accounts-${racers.session.principal.account_id}`
    const answers = yield* Effect.all(
      Array.from({ length: n }, (_, i) => (ledgers[i % ledgers.length] ?? ctx.ledger).openAccount({ name: "Once" }, { idempotencyKey: key })),
      { concurrency: "unbounded" }
    )
    const accounts = new Set(answers.map((answer) => answer.account.id))
    if (accounts.size !== 1) ctx.violate("idempotency", `${n} concurrent account creations with one key opened ${accounts.size} accounts`)
    const shown = answers.filter((answer) => answer.secret !== null).length
    if (shown !== 1) ctx.violate("idempotency", `${shown} of ${n} answers to one keyed account creation show a secret`)
  }))
