/**
 * API tokens. An `account` token reaches every agent of its account (register must name agent
 * and environment); an `agent_deployment` token reaches one agent in one environment (register
 * may omit both — the 0.2.9 SDKs need this). The secret is shown once, at creation; only its
 * SHA-256 is kept. Status: `active ⇄ suspended → revoked`, revoked is final; an optional
 * `expires_at` ends a token by itself. Deleting a revoked token hides it from the token API but
 * keeps its record (`deleted_at`), so the actors the audit log names stay records of the store.
 * `last_used_at` is written at most once per interval (`lastUseDue`), never on every request.
 */
import { DateTime, Duration, Either, Encoding, Option, Schema } from "effect"
import { sha256Hex } from "./Digest.js"
import { InvalidAction, InvalidInput, NotPermitted, Unauthenticated } from "./Errors.js"
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
  updated_at: Schema.DateTimeUtc,
  /** When the token was deleted: it is kept, revoked, and shown no more. */
  deleted_at: Schema.NullOr(Schema.DateTimeUtc)
}) {}

/**
 * A token as it is shown: every field but the secret's hash (and the deletion, since a deleted
 * token is not shown). The hash never leaves the store — not in an answer, a list or a replayed
 * answer — since it is what authentication looks up.
 */
export const ApiTokenView = Schema.Struct(ApiToken.fields).omit("secret_hash", "deleted_at").annotations({ identifier: "ApiTokenView" })
export type ApiTokenView = typeof ApiTokenView.Type

export const viewOf = (token: ApiToken): ApiTokenView => {
  const { deleted_at: _deleted, secret_hash: _hash, ...view } = token
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

/** The one deployment an `agent_deployment` token reaches: where its runs are recorded. */
export interface TokenTarget {
  readonly id: DeploymentId
  readonly agent_id: AgentId
  readonly environment_id: EnvironmentId
}

/**
 * A new active token, holding only the hash of `secret`. An `agent_deployment` token copies its
 * agent and environment from its deployment (`target`); an `account` token has none.
 */
export const issue = (
  fields: {
    readonly id: ApiTokenId
    readonly account_id: AccountId
    readonly token_scope: TokenScope
    readonly target: TokenTarget | null
    readonly secret: string
    readonly expires_at?: DateTime.Utc | null | undefined
  },
  now: DateTime.Utc
): ApiToken =>
  new ApiToken({
    id: fields.id,
    account_id: fields.account_id,
    token_scope: fields.token_scope,
    agent_deployment_id: fields.target?.id ?? null,
    agent_id: fields.target?.agent_id ?? null,
    environment_id: fields.target?.environment_id ?? null,
    status: "active",
    secret_hash: hashSecret(fields.secret),
    expires_at: fields.expires_at ?? null,
    last_used_at: null,
    inserted_at: now,
    updated_at: now,
    deleted_at: null
  }, true)

/**
 * The deployment a new token names: an `agent_deployment` token must name one, an `account`
 * token none (null).
 */
export const requestedDeployment = (
  scope: TokenScope,
  deployment: DeploymentId | null | undefined
): Either.Either<DeploymentId | null, InvalidInput> => {
  const named = deployment ?? null
  if (scope === "agent_deployment") {
    return named === null
      ? Either.left(InvalidInput.field("agent_deployment_id", "is required for an agent_deployment token"))
      : Either.right(named)
  }
  return named === null
    ? Either.right(null)
    : Either.left(InvalidInput.field("agent_deployment_id", "names a deployment only for an agent_deployment token"))
}

/** A new token's expiry, when it has one, lies in the future. */
export const checkExpiry = (expiresAt: DateTime.Utc | null | undefined, now: DateTime.Utc): Either.Either<void, InvalidInput> =>
  expiresAt !== undefined && expiresAt !== null && DateTime.lessThanOrEqualTo(expiresAt, now)
    ? Either.left(InvalidInput.field("expires_at", "must be in the future"))
    : Either.void

/** What a caller's token reaches: its scope, and the agent and environment of a deployment token. */
export interface Reach {
  readonly token_scope: TokenScope
  readonly agent_id: AgentId | null
  readonly environment_id: EnvironmentId | null
}

/** Whether a token reaches the whole account: the use cases past ingest need one that does. */
export const reachesAccount = (reach: Pick<Reach, "token_scope">): boolean => reach.token_scope === "account"

/** Whether a token sees a record of an agent: a deployment token sees its own agent's only. */
export const reaches = (reach: Pick<Reach, "agent_id">, record: { readonly agent_id: AgentId }): boolean =>
  reach.agent_id === null || record.agent_id === reach.agent_id

/** The one agent a token's lists and aggregates are limited to: a deployment token's own; none for an account token. */
export const agentScope = (reach: Pick<Reach, "agent_id">): AgentId | undefined => reach.agent_id ?? undefined

/** The agent and environment a run registers for. */
export interface RunTarget {
  readonly agent_id: AgentId
  readonly environment_id: EnvironmentId
}

/**
 * Where a run registers: a deployment token registers for its own agent and environment (a
 * request may omit them, or name those same ones); an account token must name both.
 */
export const runTarget = (
  reach: Reach,
  requested: { readonly agent_id?: AgentId | null | undefined; readonly environment_id?: EnvironmentId | null | undefined }
): Either.Either<RunTarget, InvalidInput | NotPermitted> => {
  const agent = requested.agent_id ?? null
  const environment = requested.environment_id ?? null
  if (reach.token_scope === "agent_deployment" && reach.agent_id !== null && reach.environment_id !== null) {
    if (agent !== null && agent !== reach.agent_id) {
      return Either.left(new NotPermitted({ message: "this deployment token reports for another agent" }))
    }
    if (environment !== null && environment !== reach.environment_id) {
      return Either.left(new NotPermitted({ message: "this deployment token reports for another environment" }))
    }
    return Either.right({ agent_id: reach.agent_id, environment_id: reach.environment_id })
  }
  if (agent === null) {
    return Either.left(InvalidInput.field("agent_id", "is required with an account token (or use an agent_deployment token)"))
  }
  if (environment === null) {
    return Either.left(InvalidInput.field("environment_id", "is required with an account token (or use an agent_deployment token)"))
  }
  return Either.right({ agent_id: agent, environment_id: environment })
}

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

/** Deletes a revoked token: it stays a record of the store (revoked), and is shown no more. */
export const remove = (token: ApiToken, now: DateTime.Utc): Either.Either<ApiToken, InvalidAction> =>
  Either.map(checkDeletable(token), () => new ApiToken({ ...token, deleted_at: now, updated_at: now }, true))

/** Whether the token API shows the token: every token but a deleted one. */
export const isShown = (token: ApiToken): boolean => token.deleted_at === null

/** How often a token's `last_used_at` is written at most, by default. */
export const defaultLastUseInterval: Duration.Duration = Duration.minutes(1)

/**
 * Whether a use at `now` should be written as the token's `last_used_at`: when no use was written
 * yet, or the last one written (`lastWritten`, the newer of the record's and what this process
 * wrote since) is at least `interval` old. Epoch milliseconds.
 */
export const lastUseDue = (lastWritten: number | null, now: number, interval: Duration.DurationInput): boolean =>
  lastWritten === null || now - lastWritten >= Duration.toMillis(Duration.decode(interval))

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
