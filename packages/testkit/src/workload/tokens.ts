/**
 * API tokens: the secret is shown once, at creation, and never carried by the token's record;
 * suspend, activate, revoke, expire and delete follow the token's state machine; only an active,
 * unexpired token authenticates, as the principal the model predicts.
 */
import type { Commands, LedgerSession } from "@agentledger/domain"
import { DateTime, Effect, Option } from "effect"
import { equal } from "../invariants/checks.js"
import { at, attempt, type MAccount, type MDeployment, ok, type RunState } from "../model.js"
import { canonical } from "../reference.js"
import { type Handler, type Handlers, nothing, perform } from "./plan.js"

const createToken: Handler<"CreateToken"> = (ctx, account, op) => {
  const deployment = op.deployment === null ? undefined : at(account.deployments, op.deployment)
  const expiresAt = op.expires === "never"
    ? undefined
    : DateTime.unsafeMake(Date.now() + (op.expires === "later" ? 86_400_000 : -3_600_000))
  const input: Commands.CreateToken = {
    ...(deployment === undefined ? { token_scope: "account" } : { token_scope: "agent_deployment", agent_deployment_id: deployment.id }),
    ...(expiresAt === undefined ? {} : { expires_at: expiresAt })
  }
  return perform(ctx, account, op.keyed, {
    invariant: "behaviour",
    name: "createToken",
    errors: op.expires === "past" ? ["InvalidInput"] : [],
    call: (options) => account.session.createToken(input, options),
    update: ({ secret, token }) => {
      if (secret === null || !secret.startsWith("pf_") || secret.length < 35) {
        ctx.violate("behaviour", `createToken must show a pf_ secret once; it answered ${String(secret)}`)
        return
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
    },
    // A replay answers the same token and never shows the secret again.
    replay: ({ token }) => (again) => {
      const replay = again !== null && typeof again === "object" && "secret" in again && "token" in again ? again : undefined
      if (replay === undefined) return `replayed ${canonical(again)}`
      if (replay.secret !== null) return "a replayed createToken shows the secret again"
      return canonical(replay.token) === canonical(token) ? null : `replayed token ${canonical(replay.token)}, first was ${canonical(token)}`
    }
  })
}

const tokenAction: Handler<"TokenAction"> = (ctx, account, op) => {
  const token = at(account.tokens.filter((t) => !t.main), op.token)
  if (token === undefined) return nothing
  const refused = op.action === "suspend"
    ? token.status !== "active"
    : op.action === "activate"
    ? token.status !== "suspended"
    : op.action === "revoke" || op.action === "expire"
    ? token.status === "revoked"
    : token.status !== "revoked"
  const session = account.session
  return perform(ctx, account, op.keyed, {
    invariant: "behaviour",
    name: `${op.action}Token`,
    errors: refused ? ["InvalidAction"] : [],
    call: (options) => {
      switch (op.action) {
        case "suspend":
          return session.suspendToken(token.id, options)
        case "activate":
          return session.activateToken(token.id, options)
        case "revoke":
          return session.revokeToken(token.id, options)
        case "expire":
          return session.expireToken(token.id, options)
        case "delete":
          return session.deleteToken(token.id, options)
      }
    },
    update: (done) => {
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
          if (done.expires_at === null) ctx.violate("behaviour", `expireToken left ${token.id} without expires_at`)
          break
        case "delete":
          account.tokens.splice(account.tokens.indexOf(token), 1)
          account.deletedSecrets.push(token.secret)
          break
      }
      if (op.action !== "delete") equal(ctx, "behaviour", `token status after ${op.action}`, done.status, token.status)
    }
  })
}

const authenticate: Handler<"Authenticate"> = (ctx, account, op) => {
  const candidates = [
    ...account.tokens.map((token) => ({ secret: token.secret, token })),
    ...account.deletedSecrets.map((secret) => ({ secret, token: undefined }))
  ]
  const candidate = at(candidates, op.token)
  if (candidate === undefined) return nothing
  const token = candidate.token
  const valid = token !== undefined && token.status === "active" && !token.expired
  return perform(ctx, account, false, {
    invariant: "behaviour",
    name: "authenticate",
    errors: valid ? [] : ["Unauthenticated"],
    call: () => ctx.ledger.authenticate(candidate.secret),
    update: (session) => {
      if (token === undefined) return
      equal(ctx, "tenancy", "principal of an authenticated token", {
        account_id: session.principal.account_id,
        token_id: session.principal.token_id,
        token_scope: session.principal.token_scope
      }, { account_id: account.id, token_id: token.id, token_scope: token.scope })
    }
  })
}

/** The session of a token of the deployment, creating (and modelling) one when none is usable. */
export const deploymentSession = (ctx: RunState, account: MAccount, deployment: MDeployment): Effect.Effect<Option.Option<LedgerSession>> =>
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

export const tokenHandlers = {
  CreateToken: createToken,
  TokenAction: tokenAction,
  Authenticate: authenticate
} satisfies Partial<Handlers>
