/**
 * API tokens (docs/domain.md "API tokens"): `active ⇄ suspended → revoked`, revoked is final; only
 * an active, unexpired token authenticates; the secret is `pf_` + ≥ 32 random bytes and only its
 * SHA-256 is kept.
 */
import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, DateTime, Either, Encoding, FastCheck as fc, Option, Schema } from "effect"
import { ApiToken, Ids, NotPermitted } from "@agentledger/domain"
import { runs } from "./arbitraries.js"
import { at, idOf, sha256 } from "./fixtures.js"

type TokenAction = "suspend" | "activate" | "revoke"
const tokenActions = ["suspend", "activate", "revoke"] as const

const model = (status: ApiToken.TokenStatus, action: TokenAction): ApiToken.TokenStatus | "refused" => {
  switch (action) {
    case "suspend":
      return status === "active" ? "suspended" : "refused"
    case "activate":
      return status === "suspended" ? "active" : "refused"
    case "revoke":
      return status === "revoked" ? "refused" : "revoked"
  }
}

const apply = (token: ApiToken.ApiToken, action: TokenAction, now: DateTime.Utc) =>
  action === "suspend" ? ApiToken.suspend(token, now) : action === "activate" ? ApiToken.activate(token, now) : ApiToken.revoke(token, now)

const encode = Schema.encodeSync(ApiToken.ApiToken)

const makeToken = (status: ApiToken.TokenStatus, expires_at: DateTime.Utc | null = null) =>
  new ApiToken.ApiToken({
    id: idOf(Ids.ApiTokenId, 1),
    account_id: idOf(Ids.AccountId, 0),
    token_scope: "account",
    agent_deployment_id: null,
    agent_id: null,
    environment_id: null,
    status,
    secret_hash: sha256("pf_secret"),
    expires_at,
    last_used_at: null,
    inserted_at: at(0),
    updated_at: at(0),
    deleted_at: null
  })

const tokenArb = Arbitrary.make(ApiToken.ApiToken)

describe("ApiToken state machine", () => {
  it.prop(
    "random sequences: legal moves land where the machine says, illegal ones are InvalidAction and change nothing",
    [tokenArb, fc.array(fc.constantFrom(...tokenActions), { maxLength: 20 })],
    ([initial, actions]) => {
      let token = initial
      actions.forEach((action, i) => {
        const now = at(100 + i)
        const before = encode(token)
        const expected = model(token.status, action)
        const result = apply(token, action, now)
        expect(encode(token)).toEqual(before)
        if (expected === "refused") {
          expect(Either.isLeft(result) && result.left).toMatchObject({
            _tag: "InvalidAction",
            entity: "api_token",
            id: token.id,
            action,
            status: token.status
          })
          return
        }
        if (token.status === "revoked") throw new Error("left revoked")
        const next = Either.getOrThrow(result)
        expect(next.status).toBe(expected)
        expect(next.updated_at).toEqual(now)
        // Only the status and the update time move.
        expect({ ...encode(next), status: token.status, updated_at: before.updated_at }).toEqual(before)
        token = next
      })
    },
    { fastCheck: { numRuns: runs(300) } }
  )

  it("only a revoked token may be deleted", () => {
    expect(Either.isRight(ApiToken.checkDeletable(makeToken("revoked")))).toBe(true)
    for (const status of ["active", "suspended"] as const) {
      const result = ApiToken.checkDeletable(makeToken(status))
      expect(Either.isLeft(result) && result.left._tag).toBe("InvalidAction")
    }
  })
})

describe("ApiToken.authenticate", () => {
  it.prop(
    "succeeds exactly for an active token that has not expired (expires_at > now)",
    [
      fc.constantFrom<ApiToken.TokenStatus>("active", "suspended", "revoked"),
      fc.option(fc.integer({ min: -5, max: 5 }), { nil: null }),
      fc.integer({ min: -5, max: 5 })
    ],
    ([status, expires, now]) => {
      const token = makeToken(status, expires === null ? null : at(expires))
      const result = ApiToken.authenticate(Option.some(token), at(now))
      const ok = status === "active" && (expires === null || expires > now)
      expect(Either.isRight(result)).toBe(ok)
      if (Either.isLeft(result)) expect(result.left._tag).toBe("Unauthenticated")
      else expect(result.right).toBe(token)
      expect(ApiToken.isExpired(token, at(now))).toBe(expires !== null && expires <= now)
    },
    { fastCheck: { numRuns: runs(300) } }
  )

  it("an unknown token is unauthenticated", () => {
    const result = ApiToken.authenticate(Option.none(), at(0))
    expect(Either.isLeft(result) && result.left._tag).toBe("Unauthenticated")
  })
})

describe("API token secrets", () => {
  it.prop(
    "≥ 32 random bytes give pf_ + base64url, a valid preset secret; fewer are refused",
    [fc.uint8Array({ minLength: 0, maxLength: 64 })],
    ([bytes]) => {
      const result = ApiToken.formatSecret(bytes)
      if (bytes.length < 32) {
        expect(Either.isLeft(result) && result.left._tag).toBe("InvalidInput")
        return
      }
      const secret = Either.getOrThrow(result)
      expect(secret.startsWith("pf_")).toBe(true)
      expect(Either.getOrThrow(Encoding.decodeBase64Url(secret.slice(3)))).toEqual(bytes)
      expect(ApiToken.validateSecret(secret)).toEqual(Either.right(secret))
      expect(ApiToken.hashSecret(secret)).toBe(sha256(secret))
      expect(ApiToken.hashSecret(secret)).not.toContain(secret.slice(3))
    },
    { fastCheck: { numRuns: runs(200) } }
  )

  it("preset secrets must look minted", () => {
    expect(Either.isRight(ApiToken.validateSecret(`pf_${"a".repeat(32)}`))).toBe(true)
    for (const bad of [`pf_${"a".repeat(31)}`, `xx_${"a".repeat(40)}`, `pf_${"a".repeat(31)}!`, `pf_${"a".repeat(30)} b`]) {
      expect(Either.isLeft(ApiToken.validateSecret(bad))).toBe(true)
    }
  })
})

describe("issuing a token", () => {
  const account = idOf(Ids.AccountId, 0)
  const target: ApiToken.TokenTarget = {
    id: idOf(Ids.DeploymentId, 5),
    agent_id: idOf(Ids.AgentId, 6),
    environment_id: idOf(Ids.EnvironmentId, 7)
  }

  it("a new token is active, keeps only the secret's hash, and copies its deployment's agent and environment", () => {
    const token = ApiToken.issue(
      { id: idOf(Ids.ApiTokenId, 1), account_id: account, token_scope: "agent_deployment", target, secret: "pf_secret", expires_at: at(50) },
      at(10)
    )
    expect(token).toMatchObject({
      token_scope: "agent_deployment",
      agent_deployment_id: target.id,
      agent_id: target.agent_id,
      environment_id: target.environment_id,
      status: "active",
      secret_hash: sha256("pf_secret"),
      last_used_at: null
    })
    expect([token.expires_at, token.inserted_at, token.updated_at]).toEqual([at(50), at(10), at(10)])
    const account_token = ApiToken.issue({ id: idOf(Ids.ApiTokenId, 2), account_id: account, token_scope: "account", target: null, secret: "pf_other" }, at(10))
    expect([account_token.agent_deployment_id, account_token.agent_id, account_token.environment_id, account_token.expires_at])
      .toEqual([null, null, null, null])
  })

  it("a deployment token names its deployment; an account token names none", () => {
    expect(ApiToken.requestedDeployment("agent_deployment", target.id)).toEqual(Either.right(target.id))
    expect(ApiToken.requestedDeployment("account", undefined)).toEqual(Either.right(null))
    expect(ApiToken.requestedDeployment("account", null)).toEqual(Either.right(null))
    for (const missing of [undefined, null]) {
      const result = ApiToken.requestedDeployment("agent_deployment", missing)
      expect(Either.isLeft(result) && result.left.errors).toEqual({ agent_deployment_id: ["is required for an agent_deployment token"] })
    }
    const stray = ApiToken.requestedDeployment("account", target.id)
    expect(Either.isLeft(stray) && stray.left.errors).toEqual({
      agent_deployment_id: ["names a deployment only for an agent_deployment token"]
    })
  })

  it.prop(
    "an expiry is accepted exactly when there is none or it lies after now",
    [fc.option(fc.integer({ min: -5, max: 5 }), { nil: null }), fc.integer({ min: -5, max: 5 })],
    ([expires, now]) => {
      const result = ApiToken.checkExpiry(expires === null ? null : at(expires), at(now))
      expect(Either.isRight(result)).toBe(expires === null || expires > now)
      if (Either.isLeft(result)) expect(result.left.errors).toEqual({ expires_at: ["must be in the future"] })
    },
    { fastCheck: { numRuns: runs(100) } }
  )
})

describe("what a token reaches", () => {
  const agent = idOf(Ids.AgentId, 6)
  const environment = idOf(Ids.EnvironmentId, 7)
  const deploymentToken: ApiToken.Reach = { token_scope: "agent_deployment", agent_id: agent, environment_id: environment }
  const accountToken: ApiToken.Reach = { token_scope: "account", agent_id: null, environment_id: null }
  const otherAgent = idOf(Ids.AgentId, 8)
  const otherEnvironment = idOf(Ids.EnvironmentId, 9)

  it("only an account token reaches the account; a deployment token sees its own agent's records only", () => {
    expect(ApiToken.reachesAccount(accountToken)).toBe(true)
    expect(ApiToken.reachesAccount(deploymentToken)).toBe(false)
    expect(ApiToken.reaches(accountToken, { agent_id: otherAgent })).toBe(true)
    expect(ApiToken.reaches(deploymentToken, { agent_id: agent })).toBe(true)
    expect(ApiToken.reaches(deploymentToken, { agent_id: otherAgent })).toBe(false)
  })

  it("a deployment token registers runs for its own agent and environment, named or not", () => {
    const own = Either.right({ agent_id: agent, environment_id: environment })
    expect(ApiToken.runTarget(deploymentToken, {})).toEqual(own)
    expect(ApiToken.runTarget(deploymentToken, { agent_id: null, environment_id: null })).toEqual(own)
    expect(ApiToken.runTarget(deploymentToken, { agent_id: agent, environment_id: environment })).toEqual(own)
    const elsewhere = ApiToken.runTarget(deploymentToken, { agent_id: otherAgent })
    expect(Either.isLeft(elsewhere) && elsewhere.left).toEqual(new NotPermitted({ message: "this deployment token reports for another agent" }))
    const otherStage = ApiToken.runTarget(deploymentToken, { environment_id: otherEnvironment })
    expect(Either.isLeft(otherStage) && otherStage.left).toEqual(new NotPermitted({ message: "this deployment token reports for another environment" }))
  })

  it("an account token must name both the agent and the environment", () => {
    expect(ApiToken.runTarget(accountToken, { agent_id: otherAgent, environment_id: otherEnvironment }))
      .toEqual(Either.right({ agent_id: otherAgent, environment_id: otherEnvironment }))
    const noAgent = ApiToken.runTarget(accountToken, { environment_id: otherEnvironment })
    expect(Either.isLeft(noAgent) && noAgent.left).toMatchObject({
      _tag: "InvalidInput",
      errors: { agent_id: ["is required with an account token (or use an agent_deployment token)"] }
    })
    const noEnvironment = ApiToken.runTarget(accountToken, { agent_id: otherAgent, environment_id: null })
    expect(Either.isLeft(noEnvironment) && noEnvironment.left).toMatchObject({
      _tag: "InvalidInput",
      errors: { environment_id: ["is required with an account token (or use an agent_deployment token)"] }
    })
  })
})
