/**
 * The conformance checks catch broken adapters: deliberately faulty stores, built by wrapping
 * the in-memory store, must fail the invariant checks of @agentledger/testkit — the model-based
 * runner on a fixed workload and on random ones, and the concurrent scenarios — while the
 * correct store passes the very same checks.
 */
import {
  DataRisk,
  type Deployment,
  type DeploymentFilter,
  Ids,
  LedgerLive,
  LedgerStore,
  type StoreTx
} from "@agentledger/domain"
import { MemoryStore } from "@agentledger/store-memory"
import {
  Arbitraries,
  concurrentDeploymentCreation,
  concurrentIdempotentCalls,
  concurrentSpans,
  expectNoViolations,
  formatReport,
  type Invariant,
  type Op,
  type Report,
  runWorkload,
  type Workload
} from "@agentledger/testkit"
import { describe, expect, it } from "@effect/vitest"
import { type Context, Effect, FastCheck as fc, Layer, Option } from "effect"

type Store = Context.Tag.Service<LedgerStore>

/** A store whose units of work and reads see `wrap(tx)` instead of the in-memory store's `tx`. */
const wrapStore = (inner: Store, wrap: (tx: StoreTx) => StoreTx): Store => ({
  ...inner,
  transact: (account, work) => inner.transact(account, (tx) => work(wrap(tx))),
  append: (account, work) => inner.append(account, (tx) => work(wrap(tx))),
  read: (account, work) => inner.read(account, (tx) => work(wrap(tx)))
})

const ledgerOn = (store: () => Store) => () =>
  LedgerLive.layer.pipe(Layer.provide(Layer.sync(LedgerStore, store)), Layer.provide(Ids.IdEntropy.deterministic(7)))

const correct = ledgerOn(() => MemoryStore.make())

/**
 * Fault 1: no unique constraint on (agent, environment) and a `deployments.for` that never finds
 * anything — so a second run in an environment, or a second creation, makes a second deployment.
 */
const duplicateDeployments = (): Store => {
  const extra = new Map<string, Deployment.Deployment>()
  const matches = (tx: StoreTx, filter: DeploymentFilter) => (row: Deployment.Deployment) =>
    row.account_id === tx.account_id &&
    (filter.agent_id === undefined || row.agent_id === filter.agent_id) &&
    (filter.environment_id === undefined || row.environment_id === filter.environment_id)
  return wrapStore(MemoryStore.make(), (tx) => ({
    ...tx,
    deployments: {
      ...tx.deployments,
      for: () => Effect.succeedNone,
      // What the missing constraint would have refused lands beside the table.
      insert: (row) => tx.deployments.insert(row).pipe(Effect.catchTag("UniqueViolation", () => Effect.sync(() => void extra.set(row.id, row)))),
      get: (id) =>
        tx.deployments.get(id).pipe(
          Effect.map(Option.orElse(() => Option.filter(Option.fromNullable(extra.get(id)), (row) => row.account_id === tx.account_id)))
        ),
      update: (row) => Effect.suspend(() => (extra.has(row.id) ? Effect.sync(() => void extra.set(row.id, row)) : tx.deployments.update(row))),
      remove: (id) => Effect.suspend(() => (extra.delete(id) ? Effect.void : tx.deployments.remove(id))),
      list: (filter, query) =>
        tx.deployments.list(filter, query).pipe(Effect.map((listed) => {
          const more = [...extra.values()].filter(matches(tx, filter))
          return { items: [...listed.items, ...more].slice(0, query.limit), total: listed.total + more.length }
        }))
    }
  }))
}

/** Fault 2: `agents.get` and `instances.get` fall back to other accounts' records. */
const leakyTenancy = (): Store => {
  const state = MemoryStore.makeState()
  const inner = MemoryStore.make(state)
  const elsewhere = <A>(self: Ids.AccountId, lookup: (tx: StoreTx) => Effect.Effect<Option.Option<A>>) =>
    Effect.gen(function*() {
      for (const account of state.accounts.keys()) {
        if (account === self) continue
        const found = yield* inner.read(account, lookup)
        if (Option.isSome(found)) return found
      }
      return Option.none<A>()
    })
  const orElsewhere = <A>(tx: StoreTx, own: Effect.Effect<Option.Option<A>>, lookup: (other: StoreTx) => Effect.Effect<Option.Option<A>>) =>
    Effect.flatMap(own, (found) => (Option.isSome(found) ? Effect.succeed(found) : elsewhere(tx.account_id, lookup)))
  return wrapStore(inner, (tx) => ({
    ...tx,
    agents: { ...tx.agents, get: (id) => orElsewhere(tx, tx.agents.get(id), (other) => other.agents.get(id)) },
    instances: { ...tx.instances, get: (id) => orElsewhere(tx, tx.instances.get(id), (other) => other.instances.get(id)) }
  }))
}

/** Fault 3: idempotency keys are never remembered. */
const forgetfulIdempotency = (): Store =>
  wrapStore(MemoryStore.make(), (tx) => ({ ...tx, idempotency: { claim: () => Effect.succeedNone, record: () => Effect.void } }))

/** Fault 4: every third span of a run is silently not stored (its instance still counts it). */
const droppedSpans = (): Store =>
  wrapStore(MemoryStore.make(), (tx) => ({
    ...tx,
    spans: { ...tx.spans, record: (rows, instances) => tx.spans.record(rows.filter((row) => row.sequence % 3 !== 0), instances) }
  }))

// ---------------------------------------------------------------------------------------------
// Fixed workloads
// ---------------------------------------------------------------------------------------------

const schema: Workload["schemas"][number] = {
  external_identifier: "schema-1",
  types: [
    { name: "llm", params: { type: "object", required: ["prompt"] }, result: {}, title: null, description: null, data_risk: DataRisk.unknownDataRisk },
    {
      name: "tool:crm",
      params: {},
      result: {},
      title: "CRM lookup",
      description: null,
      data_risk: { ...DataRisk.unknownDataRisk, action_profile: { ...DataRisk.unknownDataRisk.action_profile, read_data: "allowed" } }
    }
  ]
}
const version: Workload["versions"][number] = { external_identifier: "1.0.0", prefactor_sdk: null, agent_sdk: null, runtime: null, os: null }

const register = (fields: Partial<Extract<Op, { readonly _tag: "RegisterRun" }>> = {}): Op => ({
  _tag: "RegisterRun",
  account: 0,
  keyed: false,
  via: "account",
  agent: 0,
  environment: 0,
  deployment: 0,
  schema: 0,
  version: 0,
  form: 3,
  display: { name: null, description: null },
  updateCurrentVersion: true,
  purpose: "live",
  corrupt: false,
  clientId: "none",
  ...fields
})

const workloadOf = (steps: ReadonlyArray<Op>): Workload => ({ accounts: 2, schemas: [schema], versions: [version], steps })

/** The set-up already ran agent 0 in environment 0 of each account: a second run there reuses its deployment. */
const secondRun = workloadOf([register()])
/** Creating the deployment that the first run created. */
const secondDeployment = workloadOf([{ _tag: "CreateDeployment", account: 1, keyed: false, agent: 0, environment: 0, version: { kind: "none" } }])
/** A run, then account 1 asks for account 0's instance. */
const probeInstance = workloadOf([register({ account: 0 }), { _tag: "CrossAccount", account: 1, other: 0, probe: "getInstance", pick: 0 }])
/** A keyed agent creation, retried. */
const retried = workloadOf([
  { _tag: "CreateAgent", account: 0, keyed: true, name: "Twice", externalIdentifier: null, profile: null },
  { _tag: "Retry", pick: 0 }
])
/** Four spans on the set-up's run. */
const spans = workloadOf([
  {
    _tag: "RecordSpans",
    account: 0,
    keyed: false,
    instance: 0,
    batch: true,
    spans: Array.from({ length: 4 }, () => ({
      type: 0,
      payload: 1,
      status: "active" as const,
      result: null,
      parent: { kind: "none" as const },
      startedAt: null,
      finishedAt: false,
      clientId: "none" as const
    }))
  }
])

const invariantsOf = (report: Report): ReadonlyArray<Invariant> => [...new Set(report.violations.map((v) => v.invariant))]

/** Random workloads: fast-check must find one that the faulty store fails. */
const randomWorkloadsCatch = (make: typeof correct, numRuns = 40) =>
  Effect.promise(() =>
    fc.check(
      fc.asyncProperty(Arbitraries.workload({ maxSteps: 25 }), (workload) =>
        Effect.runPromise(runWorkload(make, workload)).then((report) => report.violations.length === 0)),
      { numRuns, seed: 20_240_601, endOnFailure: true }
    )
  ).pipe(Effect.flatMap((details) =>
    Effect.gen(function*() {
      expect(details.failed, "fast-check found no workload that the faulty store fails").toBe(true)
      const counterexample = details.counterexample?.[0]
      if (counterexample === undefined) return expect.fail("no counterexample")
      return yield* runWorkload(make, counterexample)
    })
  ))

describe("the conformance checks pass on the correct store", () => {
  for (const [name, workload] of [["a second run", secondRun], ["a second deployment", secondDeployment], ["a cross-account probe", probeInstance], [
    "a retry",
    retried
  ], ["spans", spans]] as const) {
    it.live(`fixed workload: ${name}`, () =>
      Effect.map(runWorkload(correct, workload), (report) => {
        expectNoViolations(report)
        expect(report.executed).toBe(workload.steps.length)
      }))
  }
  it.live("random workloads", () =>
    Effect.promise(() =>
      fc.check(
        fc.asyncProperty(Arbitraries.workload({ maxSteps: 25 }), (workload) =>
          Effect.runPromise(runWorkload(correct, workload)).then((report) => report.violations.length === 0)),
        { numRuns: 10, seed: 20_240_601 }
      )
    ).pipe(Effect.map((details) => expect(details.failed).toBe(false))))
  it.live("concurrent scenarios", () =>
    Effect.gen(function*() {
      for (const scenario of [concurrentDeploymentCreation, concurrentIdempotentCalls, concurrentSpans]) {
        const report = yield* scenario(correct)
        expectNoViolations(report)
      }
    }))
})

describe("a store without the (agent, environment) uniqueness of deployments fails invariant 2", () => {
  const faulty = ledgerOn(duplicateDeployments)
  it.live("a second run in the same environment makes a second deployment", () =>
    Effect.map(runWorkload(faulty, secondRun), (report) => {
      expect(invariantsOf(report)).toContain("deployments")
      expect(formatReport(report)).toMatch(/two deployments for agent|stamped with deployment/)
    }))
  it.live("creating the deployment again succeeds instead of answering Conflict", () =>
    Effect.map(runWorkload(faulty, secondDeployment), (report) => {
      expect(invariantsOf(report)).toContain("deployments")
      expect(formatReport(report)).toContain("createDeployment succeeded, but the reference model expects Conflict")
    }))
  it.live("racing creations of one deployment all succeed", () =>
    Effect.map(concurrentDeploymentCreation(faulty), (report) => {
      expect(invariantsOf(report)).toContain("deployments")
      expect(formatReport(report)).toMatch(/16 concurrent creations of one deployment: 16 succeeded/)
    }))
  it.live("random workloads find it", () => Effect.map(randomWorkloadsCatch(faulty), (report) => expect(invariantsOf(report)).toContain("deployments")))
})

describe("a store that leaks records across accounts fails invariant 1", () => {
  const faulty = ledgerOn(leakyTenancy)
  it.live("another account's instance is found instead of not-found", () =>
    Effect.map(runWorkload(faulty, probeInstance), (report) => {
      expect(invariantsOf(report)).toContain("tenancy")
      expect(formatReport(report)).toMatch(/answered a record of another account|expects NotFound/)
    }))
  it.live("random workloads find it", () => Effect.map(randomWorkloadsCatch(faulty), (report) => expect(invariantsOf(report)).toContain("tenancy")))
})

describe("a store that forgets idempotency keys fails invariant 8", () => {
  const faulty = ledgerOn(forgetfulIdempotency)
  it.live("a retried creation makes a second agent", () =>
    Effect.map(runWorkload(faulty, retried), (report) => {
      expect(invariantsOf(report)).toContain("idempotency")
    }))
  it.live("racing keyed calls have many effects", () =>
    Effect.map(concurrentIdempotentCalls(faulty), (report) => expect(invariantsOf(report)).toContain("idempotency")))
})

describe("a store that drops spans fails invariant 5", () => {
  const faulty = ledgerOn(droppedSpans)
  it.live("a span accepted but not stored is missing from the timeline", () =>
    Effect.map(runWorkload(faulty, spans), (report) => {
      expect(invariantsOf(report)).toContain("spans")
      expect(formatReport(report)).toMatch(/timeline of instance \w+: missing/)
    }))
  it.live("racing spans lose some", () => Effect.map(concurrentSpans(faulty), (report) => expect(invariantsOf(report)).toContain("spans")))
})
