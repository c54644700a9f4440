/**
 * API tokens. An `account` token reaches every agent of its account (register must name agent
 * and environment); an `agent_deployment` token reaches one agent in one environment (register
 * may omit both — the 0.2.9 SDKs need this). The secret is shown once, at creation; only its
 * SHA-256 is kept. Status: `active ⇄ suspended → revoked`, revoked is final; an optional
 * `expires_at` ends a token by itself.
 */
import { DateTime, Either, Encoding, Option, Schema } from "effect"
import { sha256Hex } from "./Digest.js"
import { InvalidAction, InvalidInput, Unauthenticated } from "./Errors.js"
import { AccountId, AgentId, ApiTokenId, DeploymentId, EnvironmentId } from "./Ids.js"

export const TokenScope = Schema.Literal("account", "agent_deployment")
export type TokenScope = typeof TokenScope.Type

export const TokenStatus = Schema.Literal("active", "suspended", "revoked")
export type TokenStatus = typeof TokenStatus.Type

export class ApiToken extends Schema.Class<ApiToken>("ApiToken")({
  id: ApiTokenId,
  account_id: AccountId,
  token_scope: TokenScope,
  agent_deployment_id: Schema.NullOr(DeploymentId),
  agent_id: Schema.NullOr(AgentId),
  environment_id: Schema.NullOr(EnvironmentId),
  status: TokenStatus,
  secret_hash: Schema.String,
  expires_at: Schema.NullOr(Schema.DateTimeUtc),
  last_used_at: Schema.NullOr(Schema.DateTimeUtc),
  inserted_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
}) {}

/**
 * A token as it is shown: every field but the secret's hash. The hash never leaves the store —
 * not in an answer, a list or a replayed answer — since it is what authentication looks up.
 */
export const ApiTokenView = Schema.Struct(ApiToken.fields).omit("secret_hash").annotations({ identifier: "ApiTokenView" })
export type ApiTokenView = typeof ApiTokenView.Type

export const viewOf = (token: ApiToken): ApiTokenView => {
  const { secret_hash: _, ...view } = token
  return view
}

export const secretPrefix = "pf_"
export const secretBytes = 32

/** The secret text for ≥ 32 random bytes: `pf_` and base64url. */
export const formatSecret = (bytes: Uint8Array): Either.Either<string, InvalidInput> =>
  bytes.length >= secretBytes
    ? Either.right(secretPrefix + Encoding.encodeBase64Url(bytes))
    : Either.left(InvalidInput.field("secret", `needs at least ${secretBytes} random bytes`))

/** What is stored in place of the secret. */
export const hashSecret = (secret: string): string => sha256Hex(secret)

/** A preset secret (`AGENTLEDGER_BOOTSTRAP_TOKEN`) must look like one we would mint. */
export const validateSecret = (secret: string): Either.Either<string, InvalidInput> =>
  secret.startsWith(secretPrefix) && secret.length >= secretPrefix.length + 32 && /^[A-Za-z0-9_-]+$/.test(secret)
    ? Either.right(secret)
    : Either.left(InvalidInput.field("token", "must start with pf_ and carry at least 32 characters of [A-Za-z0-9_-]"))

const transition = (
  token: ApiToken,
  action: string,
  from: ReadonlyArray<TokenStatus>,
  to: TokenStatus,
  now: DateTime.Utc
): Either.Either<ApiToken, InvalidAction> =>
  from.includes(token.status)
    ? Either.right(new ApiToken({ ...token, status: to, updated_at: now }, true))
    : Either.left(new InvalidAction({ entity: "api_token", id: token.id, action, status: token.status }))

export const suspend = (token: ApiToken, now: DateTime.Utc) => transition(token, "suspend", ["active"], "suspended", now)
export const activate = (token: ApiToken, now: DateTime.Utc) => transition(token, "activate", ["suspended"], "active", now)
export const revoke = (token: ApiToken, now: DateTime.Utc) => transition(token, "revoke", ["active", "suspended"], "revoked", now)

/** Ends a live token now: its `expires_at` becomes `now`; a revoked token is already over. */
export const expire = (token: ApiToken, now: DateTime.Utc): Either.Either<ApiToken, InvalidAction> =>
  token.status === "revoked"
    ? Either.left(new InvalidAction({ entity: "api_token", id: token.id, action: "expire", status: token.status }))
    : Either.right(new ApiToken({ ...token, expires_at: now, updated_at: now }, true))

/** Only a revoked token is deleted; a live one must be revoked first, so it cannot linger unseen. */
export const checkDeletable = (token: ApiToken): Either.Either<void, InvalidAction> =>
  token.status === "revoked"
    ? Either.void
    : Either.left(new InvalidAction({ entity: "api_token", id: token.id, action: "delete", status: token.status }))

export const isExpired = (token: ApiToken, now: DateTime.Utc): boolean =>
  token.expires_at !== null && DateTime.lessThanOrEqualTo(token.expires_at, now)

/** The token a secret names, if it may act now. */
export const authenticate = (
  found: Option.Option<ApiToken>,
  now: DateTime.Utc
): Either.Either<ApiToken, Unauthenticated> => {
  if (Option.isNone(found)) return Either.left(new Unauthenticated({ message: "unknown API token" }))
  const token = found.value
  if (token.status !== "active") return Either.left(new Unauthenticated({ message: `the API token is ${token.status}` }))
  if (isExpired(token, now)) return Either.left(new Unauthenticated({ message: "the API token has expired" }))
  return Either.right(token)
}
