/**
 * Agents (docs/domain.md "Agents"): `pending → active → dormant (derived)`, `retire → retired`
 * (new runs refused), `reinstate → back`; delete only without instances.
 */
import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, DateTime, Either, FastCheck as fc, Option, Schema } from "effect"
import { Agent, Conflict, Ids } from "@agentledger/domain"
import { runs } from "./arbitraries.js"
import { at, idOf } from "./fixtures.js"

const agentActions = ["retire", "reinstate", "recordRun"] as const
type AgentAction = (typeof agentActions)[number]

const day = 24 * 60 * 60 * 1000

const makeAgent = (status: Agent.AgentStatus, lastRun: DateTime.Utc | null = null) =>
  new Agent.Agent({
    id: idOf(Ids.AgentId, 1),
    account_id: idOf(Ids.AccountId, 0),
    name: "support bot",
    description: null,
    external_identifier: null,
    status,
    risk_profile_id: null,
    last_run_at: lastRun,
    inserted_at: at(0),
    updated_at: at(0)
  })

/** The documented machine, on the stored status and whether the agent has ever run. */
const model = (agent: Agent.Agent, action: AgentAction): Agent.AgentStatus | "refused" => {
  const retired = agent.status === "retired"
  switch (action) {
    case "retire":
      return retired ? "refused" : "retired"
    case "reinstate":
      return retired ? (agent.last_run_at === null ? "pending" : "active") : "refused"
    case "recordRun":
      return retired ? "refused" : "active"
  }
}

const apply = (agent: Agent.Agent, action: AgentAction, now: DateTime.Utc) =>
  action === "retire" ? Agent.retire(agent, now) : action === "reinstate" ? Agent.reinstate(agent, now) : Agent.recordRun(agent, now)

const encode = Schema.encodeSync(Agent.Agent)

const agentArb = fc.oneof(
  fc.constant(makeAgent("pending")),
  Arbitrary.make(Agent.Agent)
)

describe("Agent lifecycle", () => {
  it.prop(
    "random sequences of retire / reinstate / recordRun follow the machine; refusals change nothing",
    [agentArb, fc.array(fc.constantFrom(...agentActions), { maxLength: 20 })],
    ([initial, actions]) => {
      let agent = initial
      actions.forEach((action, i) => {
        const now = at(1000 * (i + 1))
        const before = encode(agent)
        const expected = model(agent, action)
        const result = apply(agent, action, now)
        expect(encode(agent)).toEqual(before)
        if (expected === "refused") {
          expect(Either.isLeft(result) && result.left).toMatchObject({ _tag: "InvalidAction", entity: "agent", id: agent.id, status: agent.status })
          return
        }
        const next = Either.getOrThrow(result)
        expect(next.status).toBe(expected)
        expect(next.last_run_at).toEqual(action === "recordRun" ? now : agent.last_run_at)
        expect([next.id, next.name, next.external_identifier, next.inserted_at]).toEqual([agent.id, agent.name, agent.external_identifier, agent.inserted_at])
        agent = next
      })
    },
    { fastCheck: { numRuns: runs(300) } }
  )

  it.prop(
    "an active agent reads as dormant exactly when its last run is 30 days old or more",
    [fc.constantFrom<Agent.AgentStatus>("pending", "active", "retired"), fc.option(fc.integer({ min: -2 * day, max: 60 * day }), { nil: null })],
    ([status, age]) => {
      const now = at(100 * day)
      const agent = makeAgent(status, age === null ? null : at(100 * day - age))
      const dormant = status === "active" && age !== null && age >= 30 * day
      expect(Agent.effectiveStatus(agent, now)).toBe(dormant ? "dormant" : status)
    },
    { fastCheck: { numRuns: runs(300) } }
  )

  it("the dormancy edge: 30 days to the millisecond", () => {
    const now = at(100 * day)
    expect(Agent.effectiveStatus(makeAgent("active", at(70 * day)), now)).toBe("dormant")
    expect(Agent.effectiveStatus(makeAgent("active", at(70 * day + 1)), now)).toBe("active")
    // A run brings a dormant agent back.
    const back = Either.getOrThrow(Agent.recordRun(makeAgent("active", at(0)), now))
    expect(Agent.effectiveStatus(back, now)).toBe("active")
  })

  it("delete only without instances and deployments; available actions follow the status", () => {
    expect(Either.isRight(Agent.checkDeletable(makeAgent("active"), { instances: 0, deployments: 0 }))).toBe(true)
    const refused = Agent.checkDeletable(makeAgent("active"), { instances: 3, deployments: 0 })
    expect(Either.isLeft(refused) && refused.left._tag).toBe("Conflict")
    const deployed = Agent.checkDeletable(makeAgent("active"), { instances: 0, deployments: 1 })
    expect(Either.isLeft(deployed) && deployed.left._tag).toBe("Conflict")
    expect(Agent.availableActions(makeAgent("retired"), { instances: 2, deployments: 0 }))
      .toEqual({ update: false, retire: false, reinstate: true, delete: false })
    expect(Agent.availableActions(makeAgent("active"), { instances: 0, deployments: 0 }))
      .toEqual({ update: true, retire: true, reinstate: false, delete: true })
    expect(Agent.availableActions(makeAgent("active"), { instances: 0, deployments: 1 }).delete).toBe(false)
  })

  it.prop(
    "names are 1–255 characters after trimming; external identifiers 1–255 as given",
    [fc.string({ maxLength: 260, size: "max" }), fc.constantFrom("", " ", "\n")],
    ([text, pad]) => {
      const name = Agent.validateAgentName(pad + text + pad)
      const trimmed = text.trim()
      if (trimmed.length >= 1 && trimmed.length <= 255) expect(name).toEqual(Either.right(trimmed))
      else expect(Either.isLeft(name) && name.left._tag).toBe("InvalidInput")
      expect(Either.isRight(Agent.validateExternalIdentifier(text))).toBe(text.length >= 1 && text.length <= 255)
    },
    { fastCheck: { numRuns: runs(200) } }
  )
})

describe("agent records", () => {
  const profile = idOf(Ids.RiskProfileId, 9)

  it("a new agent is pending, has not run, and was inserted and updated now", () => {
    const agent = Agent.create(
      { id: idOf(Ids.AgentId, 1), account_id: idOf(Ids.AccountId, 0), name: "bot", external_identifier: "ext-1", risk_profile_id: profile },
      at(5)
    )
    expect(agent).toMatchObject({ name: "bot", description: null, external_identifier: "ext-1", status: "pending", risk_profile_id: profile, last_run_at: null })
    expect([agent.inserted_at, agent.updated_at]).toEqual([at(5), at(5)])
  })

  it.prop(
    "an edit is refused exactly for a retired agent, and changes only what it names",
    [agentArb, fc.option(fc.constantFrom("renamed", "  padded  ", "   "), { nil: undefined })],
    ([agent, name]) => {
      const result = Agent.update(agent, { name, description: "new", risk_profile_id: profile }, at(7))
      if (agent.status === "retired") {
        expect(Either.isLeft(result) && result.left).toMatchObject({ _tag: "InvalidAction", action: "update", status: "retired" })
        return
      }
      if (name !== undefined && name.trim().length === 0) {
        expect(Either.isLeft(result) && result.left._tag).toBe("InvalidInput")
        return
      }
      const next = Either.getOrThrow(result)
      expect(next.name).toBe(name === undefined ? agent.name : name.trim())
      expect([next.description, next.risk_profile_id, next.updated_at]).toEqual(["new", profile, at(7)])
      expect([next.id, next.status, next.external_identifier, next.last_run_at, next.inserted_at])
        .toEqual([agent.id, agent.status, agent.external_identifier, agent.last_run_at, agent.inserted_at])
    },
    { fastCheck: { numRuns: runs(200) } }
  )

  it("an omitted field stays; null clears the description and the profile", () => {
    const agent = new Agent.Agent({ ...makeAgent("active"), description: "old", risk_profile_id: profile })
    expect(Either.getOrThrow(Agent.update(agent, {}, at(3)))).toMatchObject({ name: agent.name, description: "old", risk_profile_id: profile })
    expect(Either.getOrThrow(Agent.update(agent, { description: null, risk_profile_id: null }, at(3))))
      .toMatchObject({ description: null, risk_profile_id: null })
    expect(Agent.isEditable(agent)).toBe(true)
    expect(Agent.isEditable(makeAgent("retired"))).toBe(false)
  })

  it("an external identifier is free unless an agent holds it", () => {
    expect(Either.isRight(Agent.checkExternalIdentifierFree(Option.none(), "ext-1"))).toBe(true)
    const taken = Agent.checkExternalIdentifierFree(Option.some(makeAgent("active")), "ext-1")
    expect(Either.isLeft(taken) && taken.left).toEqual(new Conflict({ message: `an agent with external_identifier "ext-1" exists` }))
  })
})
