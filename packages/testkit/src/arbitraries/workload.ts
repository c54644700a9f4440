/**
 * Arbitraries for whole multi-account workloads: operations that name their records by picks,
 * weighted towards runs and spans, over a small pool of contents so that contents repeat.
 */
import { FastCheck as fc } from "effect"
import type { ClientId, Op, ParentRef, SpanSpec, VersionRef, Workload } from "../ops.js"
import { probes, tokenActions } from "../ops.js"
import { maxSteps } from "../runs.js"
import { spanTypeNames } from "../specs.js"
import {
  agentName,
  agentNames,
  createEnvironment,
  createRiskProfile,
  externalIdentifiers,
  invalidRules,
  schemaSpec,
  terminationReasons,
  updateEnvironment,
  updateRiskProfile,
  versionSpec
} from "./commands.js"

const pick = fc.nat({ max: 1_000 })

const versionRef: fc.Arbitrary<VersionRef> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ kind: "none" as const }) },
  { weight: 4, arbitrary: pick.map((p) => ({ kind: "own" as const, pick: p })) },
  { weight: 1, arbitrary: pick.map((p) => ({ kind: "other" as const, pick: p })) }
)

const parentRef: fc.Arbitrary<ParentRef> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: "none" as const }) },
  { weight: 4, arbitrary: pick.map((p) => ({ kind: "batch" as const, pick: p })) },
  { weight: 6, arbitrary: pick.map((p) => ({ kind: "same" as const, pick: p })) },
  { weight: 1, arbitrary: pick.map((p) => ({ kind: "other" as const, pick: p })) },
  { weight: 1, arbitrary: fc.constant({ kind: "self" as const }) }
)

const clientId: fc.Arbitrary<ClientId> = fc.oneof(
  { weight: 14, arbitrary: fc.constant("none" as const) },
  { weight: 4, arbitrary: fc.constant("own" as const) },
  { weight: 1, arbitrary: fc.constant("foreign" as const) },
  { weight: 1, arbitrary: fc.constant("duplicate" as const) }
)

export const spanSpec: fc.Arbitrary<SpanSpec> = fc.record({
  type: fc.nat({ max: spanTypeNames.length }),
  payload: pick,
  status: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom("active" as const, "pending" as const) },
    { weight: 3, arbitrary: fc.constantFrom("complete" as const, "failed" as const, "cancelled" as const, "terminated" as const) }
  ),
  result: fc.option(pick, { nil: null, freq: 2 }),
  parent: parentRef,
  startedAt: fc.option(fc.integer({ min: -600, max: 600 }), { nil: null }),
  finishedAt: fc.boolean(),
  clientId,
  /** Rarely, an open span carries a result or `finished_at` (refused). */
  misplaced: fc.nat({ max: 15 })
}).map(({ misplaced, ...spec }): SpanSpec =>
  spec.status === "active" || spec.status === "pending"
    ? { ...spec, result: misplaced === 0 ? spec.result : null, finishedAt: misplaced === 1 }
    : spec
)

const keyed = fc.nat({ max: 2 }).map((n) => n === 0)

const favourFirst = fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: pick })

const account = pick

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ _tag: fc.constant("CreateEnvironment" as const), account, keyed, input: createEnvironment }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("UpdateEnvironment" as const), account, keyed, environment: pick, input: updateEnvironment }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("DeleteEnvironment" as const), account, keyed, environment: pick }) },
  {
    weight: 1,
    arbitrary: fc.record({ _tag: fc.constant("CreateRiskProfile" as const), account, keyed, input: createRiskProfile, valid: fc.nat({ max: 5 }).map((n) => n > 0) })
      .map((o) => (o.valid ? o : { ...o, input: { ...o.input, ...invalidRules(o.input) } }))
  },
  {
    weight: 1,
    arbitrary: fc.record({ _tag: fc.constant("UpdateRiskProfile" as const), account, keyed, profile: pick, input: updateRiskProfile, valid: fc.nat({ max: 5 }).map((n) => n > 0) })
      .map((o) => (o.valid ? o : { ...o, input: { ...o.input, ...invalidRules(o.input) } }))
  },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("DeleteRiskProfile" as const), account, keyed, profile: pick }) },
  {
    weight: 3,
    arbitrary: fc.record({
      _tag: fc.constant("CreateAgent" as const),
      account,
      keyed,
      name: agentName,
      externalIdentifier: fc.option(fc.constantFrom(...externalIdentifiers), { nil: null }),
      profile: fc.option(pick, { nil: null })
    })
  },
  {
    weight: 1,
    arbitrary: fc.record({
      _tag: fc.constant("UpdateAgent" as const),
      account,
      keyed,
      agent: pick,
      name: fc.option(agentName, { nil: null }),
      profile: fc.oneof(fc.constant("keep" as const), fc.constant("clear" as const), pick)
    })
  },
  {
    weight: 2,
    arbitrary: fc.record({
      _tag: fc.constantFrom("RetireAgent" as const, "ReinstateAgent" as const, "DeleteAgent" as const),
      account,
      keyed,
      agent: pick
    })
  },
  {
    weight: 10,
    arbitrary: fc.record({
      _tag: fc.constant("RegisterRun" as const),
      account,
      keyed,
      via: fc.oneof({ weight: 3, arbitrary: fc.constant("account" as const) }, { weight: 1, arbitrary: fc.constant("deployment" as const) }),
      // Mostly the set-up's agent and environment, so that agents gather versions and deployments move.
      agent: favourFirst,
      environment: favourFirst,
      deployment: pick,
      schema: pick,
      version: pick,
      form: fc.nat(),
      display: fc.record({
        name: fc.option(fc.constantFrom(...agentNames), { nil: null }),
        description: fc.option(fc.constantFrom("nightly build", "hotfix"), { nil: null })
      }),
      updateCurrentVersion: fc.nat({ max: 4 }).map((n) => n > 0),
      purpose: fc.constantFrom("live" as const, "smoke_test" as const, "eval" as const),
      corrupt: fc.nat({ max: 15 }).map((n) => n === 0),
      clientId: fc.oneof(
        { weight: 8, arbitrary: fc.constant("none" as const) },
        { weight: 2, arbitrary: fc.constant("own" as const) },
        { weight: 1, arbitrary: fc.constant("foreign" as const) }
      )
    })
  },
  { weight: 3, arbitrary: fc.record({ _tag: fc.constant("StartRun" as const), account, keyed, instance: pick }) },
  {
    weight: 3,
    arbitrary: fc.record({
      _tag: fc.constant("FinishRun" as const),
      account,
      keyed,
      instance: pick,
      status: fc.constantFrom("complete" as const, "failed" as const, "cancelled" as const)
    })
  },
  {
    weight: 1,
    arbitrary: fc.record({ _tag: fc.constant("TerminateRun" as const), account, keyed, instance: pick, reason: fc.constantFrom(...terminationReasons) })
  },
  {
    weight: 12,
    arbitrary: fc.record({
      _tag: fc.constant("RecordSpans" as const),
      account,
      keyed,
      instance: pick,
      batch: fc.boolean(),
      spans: fc.array(spanSpec, { minLength: 1, maxLength: 4 })
    }).map((o) => (o.batch ? o : { ...o, spans: o.spans.slice(0, 1) }))
  },
  {
    weight: 4,
    arbitrary: fc.record({
      _tag: fc.constant("FinishSpan" as const),
      account,
      keyed,
      span: pick,
      status: fc.constantFrom("complete" as const, "failed" as const, "cancelled" as const),
      result: fc.option(pick, { nil: null })
    })
  },
  {
    weight: 2,
    arbitrary: fc.record({ _tag: fc.constant("CreateDeployment" as const), account, keyed, agent: pick, environment: pick, version: versionRef })
  },
  { weight: 2, arbitrary: fc.record({ _tag: fc.constant("UpdateDeployment" as const), account, keyed, deployment: pick, version: versionRef }) },
  {
    weight: 2,
    arbitrary: fc.record({
      _tag: fc.constant("RollbackDeployment" as const),
      account,
      keyed,
      deployment: pick,
      version: fc.oneof({ weight: 3, arbitrary: fc.constant({ kind: "none" as const }) }, { weight: 2, arbitrary: versionRef })
    })
  },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("DeleteDeployment" as const), account, keyed, deployment: pick }) },
  {
    weight: 2,
    arbitrary: fc.record({
      _tag: fc.constant("CreateToken" as const),
      account,
      keyed,
      deployment: fc.option(pick, { nil: null }),
      expires: fc.oneof(
        { weight: 4, arbitrary: fc.constant("never" as const) },
        { weight: 2, arbitrary: fc.constant("later" as const) },
        { weight: 1, arbitrary: fc.constant("past" as const) }
      )
    })
  },
  { weight: 3, arbitrary: fc.record({ _tag: fc.constant("TokenAction" as const), account, keyed, token: pick, action: fc.constantFrom(...tokenActions) }) },
  { weight: 2, arbitrary: fc.record({ _tag: fc.constant("Authenticate" as const), account, token: pick }) },
  { weight: 5, arbitrary: fc.record({ _tag: fc.constant("CrossAccount" as const), account, other: pick, probe: fc.constantFrom(...probes), pick }) },
  { weight: 3, arbitrary: fc.record({ _tag: fc.constant("Retry" as const), pick }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("ReuseKey" as const), pick }) }
)

/** Operations, weighted towards runs and spans. */
export const operation: fc.Arbitrary<Op> = op

/**
 * A whole workload: two or three accounts, a small pool of schemas and version metadata (so
 * that contents repeat across runs, in different forms), and a sequence of operations.
 */
export const workload = (options: { readonly minSteps?: number; readonly maxSteps?: number; readonly accounts?: number } = {}): fc.Arbitrary<Workload> =>
  fc.record({
    accounts: options.accounts === undefined ? fc.integer({ min: 2, max: 3 }) : fc.constant(options.accounts),
    schemas: fc.array(schemaSpec, { minLength: 1, maxLength: 3 }),
    versions: fc.array(versionSpec, { minLength: 1, maxLength: 3 }),
    steps: fc.array(op, { minLength: options.minSteps ?? 5, maxLength: options.maxSteps ?? maxSteps, size: "max" })
  })
