/**
 * The instance state machine (docs/domain.md "Instances", invariant 4): random sequences of actions follow
 * `pending → active → complete | failed | cancelled`, `pending → cancelled`,
 * `pending | active → terminated`; terminal is final; refusals are `InvalidAction` and change
 * nothing; the stamps never change.
 */
import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, DateTime, Either, FastCheck as fc, Schema } from "effect"
import { Ids, Instance, Risk, Status } from "@agentledger/domain"
import { finishStatus, runs } from "./arbitraries.js"
import { at, idOf, makeInstance } from "./fixtures.js"

type Action =
  | { readonly kind: "start" }
  | { readonly kind: "finish"; readonly status: Status.FinishStatus }
  | { readonly kind: "terminate"; readonly reason: string }
  | { readonly kind: "admitSpan" }

const reason = fc.oneof(
  fc.string({ minLength: 1, maxLength: 20 }),
  fc.constantFrom("", "   ", "\n\t", " operator stop ", "x".repeat(2000), "y".repeat(2001))
)

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.constant({ kind: "start" as const }),
  fc.record({ kind: fc.constant("finish" as const), status: finishStatus }),
  fc.record({ kind: fc.constant("terminate" as const), reason }),
  fc.constant({ kind: "admitSpan" as const })
)

type Expected =
  | { readonly accepted: Status.Status }
  | { readonly refused: "InvalidAction" | "InvalidInput" }

/** The machine of docs/domain.md, written independently of the code. */
const model = (status: Status.Status, a: Action): Expected => {
  const terminal = status === "complete" || status === "failed" || status === "cancelled" || status === "terminated"
  switch (a.kind) {
    case "start":
    case "admitSpan":
      return terminal ? { refused: "InvalidAction" } : { accepted: "active" }
    case "finish":
      if (status === "active") return { accepted: a.status }
      if (status === "pending" && a.status === "cancelled") return { accepted: "cancelled" }
      return { refused: "InvalidAction" }
    case "terminate": {
      const trimmed = a.reason.trim()
      // The reason is required whatever the status; an empty or oversized one is bad input.
      if (trimmed.length === 0 || trimmed.length > 2000) return { refused: "InvalidInput" }
      return terminal ? { refused: "InvalidAction" } : { accepted: "terminated" }
    }
  }
}

const apply = (instance: Instance.Instance, a: Action, now: DateTime.Utc) => {
  switch (a.kind) {
    case "start":
      return Instance.start(instance, now)
    case "finish":
      return Instance.finish(instance, a.status, now)
    case "terminate":
      return Instance.terminate(instance, a.reason, now)
    case "admitSpan":
      return Instance.admitSpan(instance, now)
  }
}

const verb = (a: Action): string =>
  a.kind === "admitSpan" ? "span" : a.kind

const encode = Schema.encodeSync(Instance.Instance)

/** Either a fresh pending instance or any instance the schema allows. */
const instanceArb = fc.oneof(
  { arbitrary: fc.constant(makeInstance()), weight: 2 },
  { arbitrary: Arbitrary.make(Instance.Instance), weight: 1 }
)

describe("Instance state machine", () => {
  it.prop(
    "random action sequences follow the machine; refusals change nothing; terminal is final; stamps stay",
    [instanceArb, fc.array(action, { maxLength: 25 })],
    ([initial, actions]) => {
      let instance = initial
      const stamps = Instance.stampsOf(initial)
      actions.forEach((a, i) => {
        const now = at(10_000 + i)
        const before = encode(instance)
        const expected = model(instance.status, a)
        const result = apply(instance, a, now)
        // The input record is never mutated.
        expect(encode(instance)).toEqual(before)
        if ("refused" in expected) {
          expect(Either.isLeft(result)).toBe(true)
          if (Either.isLeft(result)) {
            expect(result.left._tag).toBe(expected.refused)
            if (result.left._tag === "InvalidAction") {
              expect(result.left.entity).toBe("agent_instance")
              expect(result.left.id).toBe(instance.id)
              expect(result.left.status).toBe(instance.status)
              expect(result.left.action).toContain(verb(a))
            }
          }
          return
        }
        expect(Either.isRight(result)).toBe(true)
        if (Either.isLeft(result)) return
        const next = result.right
        expect(next.status).toBe(expected.accepted)
        if (Status.isTerminal(instance.status)) throw new Error("left a terminal status")
        if (instance.status === "pending" && next.status === "active") expect(next.started_at).toEqual(now)
        if (instance.status === "active" && next.status === "active") {
          // A repeated start (or a span on a running instance) changes nothing.
          expect(encode(next)).toEqual(before)
        }
        if (a.kind === "finish" || a.kind === "terminate") expect(next.finished_at).toEqual(now)
        if (a.kind === "terminate") expect(next.termination_reason).toBe(a.reason.trim())
        else expect(next.termination_reason).toBe(instance.termination_reason)
        expect(Instance.stampsOf(next)).toEqual(stamps)
        instance = next
      })
      expect(Instance.stampsOf(instance)).toEqual(stamps)
    },
    { fastCheck: { numRuns: runs(300) } }
  )

  it.prop(
    "from any terminal status every action is refused",
    [fc.constantFrom(...Status.terminalStatuses), action],
    ([status, a]) => {
      const instance = makeInstance({ status })
      const result = apply(instance, a, at(5))
      expect(Either.isLeft(result)).toBe(true)
    },
    { fastCheck: { numRuns: runs(100) } }
  )

  it("the documented paths", () => {
    const pending = makeInstance()
    const started = Either.getOrThrow(Instance.start(pending, at(1)))
    expect(started.status).toBe("active")
    expect(Either.getOrThrow(Instance.start(started, at(2)))).toEqual(started)
    expect(Either.getOrThrow(Instance.finish(started, "complete", at(3))).status).toBe("complete")
    expect(Either.getOrThrow(Instance.finish(started, "failed", at(3))).status).toBe("failed")
    expect(Either.getOrThrow(Instance.finish(pending, "cancelled", at(3))).status).toBe("cancelled")
    expect(Either.isLeft(Instance.finish(pending, "complete", at(3)))).toBe(true)
    expect(Either.isLeft(Instance.finish(pending, "failed", at(3)))).toBe(true)
    const terminated = Either.getOrThrow(Instance.terminate(pending, "  runaway agent  ", at(4)))
    expect([terminated.status, terminated.termination_reason]).toEqual(["terminated", "runaway agent"])
    const refused = Instance.terminate(terminated, "again", at(5))
    expect(Either.isLeft(refused) && refused.left._tag).toBe("InvalidAction")
    const blank = Instance.terminate(started, "   ", at(5))
    expect(Either.isLeft(blank) && blank.left._tag).toBe("InvalidInput")
    const admitted = Either.getOrThrow(Instance.admitSpan(pending, at(6)))
    expect([admitted.status, admitted.started_at]).toEqual(["active", at(6)])
  })

  it("the stamps are the fields fixed at register", () => {
    const instance = makeInstance()
    expect(Object.keys(Instance.stampsOf(instance)).sort()).toEqual([
      "account_id",
      "agent_deployment_id",
      "agent_id",
      "agent_schema_version_id",
      "agent_version_id",
      "environment_id",
      "id",
      "inserted_at",
      "purpose",
      "reported_by",
      "risk_profile_revision_id"
    ])
  })
})

describe("registering a run", () => {
  const stamps = {
    id: idOf(Ids.InstanceId, 1),
    account_id: idOf(Ids.AccountId, 0),
    agent_id: idOf(Ids.AgentId, 2),
    agent_version_id: idOf(Ids.AgentVersionId, 3),
    agent_schema_version_id: idOf(Ids.SchemaVersionId, 4),
    environment_id: idOf(Ids.EnvironmentId, 5),
    agent_deployment_id: null,
    purpose: "eval" as const,
    risk_profile_revision_id: null,
    reported_by: { protocol: "prefactor" as const, sdk: "@prefactor/core@0.4.3" }
  }

  it("a run registers pending, with no spans, carrying its stamps", () => {
    const run = Instance.register(stamps, at(9))
    expect(Instance.stampsOf(run)).toEqual({ ...stamps, inserted_at: at(9) })
    expect(run).toMatchObject({ status: "pending", started_at: null, finished_at: null, termination_reason: null, span_counts: Status.noCounts })
    expect([run.conformance_counts, run.risk, run.updated_at]).toEqual([{ conforms: 0, flagged: 0 }, null, at(9)])
  })

  it("a run with a profile revision is scored from zero; one without is not scored", () => {
    const scored = Instance.register({ ...stamps, risk_profile_revision_id: idOf(Ids.RiskProfileRevisionId, 6) }, at(9))
    expect(scored.risk).toEqual(Risk.initialRisk)
    expect(Schema.is(Instance.Instance)(scored)).toBe(true)
  })
})
