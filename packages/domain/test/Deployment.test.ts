/**
 * Deployments (docs/domain.md "Deployments"): the pointer only names versions of the deployment's
 * agent, every move appends one history entry (from, to, cause, when), a move to the current
 * version records nothing, and a rollback goes back to an earlier version.
 */
import { describe, expect, it } from "@effect/vitest"
import { DateTime, Either, FastCheck as fc, Option } from "effect"
import { AgentVersion, Audit, Deployment, Ids, type InvalidAction, type InvalidInput } from "@agentledger/domain"
import { runs } from "./arbitraries.js"
import { at, idOf } from "./fixtures.js"

/** Who moves the pointers here: an account token. */
const by: Deployment.MovedBy = { actor: Audit.ofToken({ token_id: "token", token_scope: "account" }), agent_instance_id: null }

const agentA = idOf(Ids.AgentId, 1)
const agentB = idOf(Ids.AgentId, 2)

const version = (agent: Ids.AgentId, sequence: number, n: number) =>
  new AgentVersion.AgentVersion({
    id: idOf(Ids.AgentVersionId, n),
    account_id: idOf(Ids.AccountId, 0),
    agent_id: agent,
    sequence,
    external_identifier: `v${sequence}`,
    name: null,
    description: null,
    agent_schema_version_id: idOf(Ids.SchemaVersionId, n),
    runtime_environment: AgentVersion.normalizeRuntime(null),
    fingerprint: `fp-${n}`,
    inserted_at: at(n),
    updated_at: at(n)
  })

/** Five versions of agent A (sequences 1–5) and two of agent B. */
const versionsA = [1, 2, 3, 4, 5].map((s) => version(agentA, s, 100 + s))
const versionsB = [1, 2].map((s) => version(agentB, s, 200 + s))
const allVersions = [...versionsA, ...versionsB]

const versionAt = (i: number): AgentVersion.AgentVersion => {
  const v = allVersions[i]
  if (v === undefined) throw new Error(`no version ${i}`)
  return v
}

const makeDeployment = (current: AgentVersion.AgentVersion | null = null) =>
  new Deployment.Deployment({
    id: idOf(Ids.DeploymentId, 1),
    account_id: idOf(Ids.AccountId, 0),
    agent_id: agentA,
    environment_id: idOf(Ids.EnvironmentId, 1),
    current_version_id: current?.id ?? null,
    inserted_at: at(0),
    updated_at: at(0)
  })

type Step =
  | { readonly kind: "move"; readonly to: number | null; readonly cause: Deployment.DeploymentCause }
  | { readonly kind: "rollback"; readonly to: number }

const causes = ["run", "api", "rollback"] as const
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant("move" as const),
    to: fc.option(fc.nat({ max: allVersions.length - 1 }), { nil: null }),
    cause: fc.constantFrom(...causes)
  }),
  fc.record({ kind: fc.constant("rollback" as const), to: fc.nat({ max: allVersions.length - 1 }) })
)

describe("Deployment pointer and history", () => {
  it.prop(
    "random moves and rollbacks: pointer within the agent, one entry per change, entries chain",
    [fc.array(step, { maxLength: 25 })],
    ([steps]) => {
      let deployment = makeDeployment()
      const history: Array<Deployment.DeploymentHistoryEntry> = []
      steps.forEach((s, i) => {
        const now: DateTime.Utc = at(1000 + i)
        const target = s.to === null ? null : versionAt(s.to)
        const current = allVersions.find((v) => v.id === deployment.current_version_id) ?? null
        const result: Either.Either<Deployment.PointerMove, InvalidAction | InvalidInput> = s.kind === "move"
          ? Deployment.movePointer(deployment, target, s.cause, now, by)
          : Deployment.rollback(deployment, current, versionAt(s.to), now, by)
        const foreign = target !== null && target.agent_id !== agentA
        const expectedError = s.kind === "move"
          ? (foreign ? "InvalidInput" : undefined)
          : current === null
          ? "InvalidAction"
          : foreign || (target !== null && target.sequence >= current.sequence)
          ? "InvalidInput"
          : undefined
        if (expectedError !== undefined) {
          expect(Either.isLeft(result) && result.left._tag).toBe(expectedError)
          return
        }
        if (Either.isLeft(result)) throw new Error(`refused: ${String(result.left)}`)
        const { deployment: next, entry } = result.right
        expect(next.current_version_id).toBe(target?.id ?? null)
        expect([next.id, next.agent_id, next.environment_id]).toEqual([deployment.id, deployment.agent_id, deployment.environment_id])
        if ((target?.id ?? null) === deployment.current_version_id) {
          expect(Option.isNone(entry)).toBe(true)
          expect(next).toEqual(deployment)
        } else {
          const e = Option.getOrThrow(entry)
          expect(e).toMatchObject({
            agent_deployment_id: deployment.id,
            from_version_id: deployment.current_version_id,
            to_version_id: target?.id ?? null,
            cause: s.kind === "rollback" ? "rollback" : s.cause
          })
          expect(e.changed_at).toEqual(now)
          // The entry names who moved the pointer.
          expect([e.actor, e.agent_instance_id]).toEqual([by.actor, null])
          history.push(e)
        }
        deployment = next
      })
      // The history is append-only and chains: each entry starts where the previous one ended.
      history.forEach((e, i) => expect(e.from_version_id).toBe(i === 0 ? null : history[i - 1]?.to_version_id))
      expect(history.at(-1)?.to_version_id ?? null).toBe(deployment.current_version_id)
      // The pointer only ever names a version of the deployment's agent.
      expect(deployment.current_version_id === null || versionsA.some((v) => v.id === deployment.current_version_id)).toBe(true)
    },
    { fastCheck: { numRuns: runs(300) } }
  )

  it("rollback examples", () => {
    const [v1, v2, v3] = versionsA
    if (v1 === undefined || v2 === undefined || v3 === undefined) throw new Error("versions")
    const onV3 = makeDeployment(v3)
    const back = Either.getOrThrow(Deployment.rollback(onV3, v3, v1, at(5), by))
    expect(back.deployment.current_version_id).toBe(v1.id)
    expect(Option.getOrThrow(back.entry)).toMatchObject({ from_version_id: v3.id, to_version_id: v1.id, cause: "rollback" })
    const forward = Deployment.rollback(makeDeployment(v1), v1, v2, at(5), by)
    expect(Either.isLeft(forward) && forward.left._tag).toBe("InvalidInput")
    const nowhere = Deployment.rollback(makeDeployment(), null, v1, at(5), by)
    expect(Either.isLeft(nowhere) && nowhere.left._tag).toBe("InvalidAction")
    const foreign = Deployment.rollback(onV3, v3, versionsB[0] ?? v1, at(5), by)
    expect(Either.isLeft(foreign) && foreign.left._tag).toBe("InvalidInput")
  })
})

describe("Deployment.create", () => {
  it("a new deployment points at no version and has no history", () => {
    const created = Deployment.create(
      { id: idOf(Ids.DeploymentId, 1), account_id: idOf(Ids.AccountId, 0), agent_id: agentA, environment_id: idOf(Ids.EnvironmentId, 1) },
      at(0)
    )
    expect(created).toEqual(makeDeployment())
  })
})
