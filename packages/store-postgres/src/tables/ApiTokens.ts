/** The `api_tokens` table: a token as a row and back (its secret only as the hash). */
import { ApiToken, Ids } from "@agentledger/domain"
import * as Columns from "./Columns.js"

export const table = "api_tokens"

export const columns = [
  "account_id",
  "id",
  "token_scope",
  "agent_deployment_id",
  "agent_id",
  "environment_id",
  "status",
  "secret_hash",
  "expires_at",
  "last_used_at",
  "inserted_at",
  "updated_at",
  "deleted_at"
] as const

export const toRow = (token: ApiToken.ApiToken): Columns.RowOf<(typeof columns)[number]> => ({
  account_id: token.account_id,
  id: token.id,
  token_scope: token.token_scope,
  agent_deployment_id: token.agent_deployment_id,
  agent_id: token.agent_id,
  environment_id: token.environment_id,
  status: token.status,
  secret_hash: token.secret_hash,
  expires_at: Columns.toTimestampOrNull(token.expires_at),
  last_used_at: Columns.toTimestampOrNull(token.last_used_at),
  inserted_at: Columns.toTimestamp(token.inserted_at),
  updated_at: Columns.toTimestamp(token.updated_at),
  deleted_at: Columns.toTimestampOrNull(token.deleted_at)
})

/**
 * The columns an update writes: a token's scope and secret never change, and its last use is
 * written only by `touch`, so an update never takes back a use recorded since it read the token.
 */
export const changes = (token: ApiToken.ApiToken) => ({
  status: token.status,
  expires_at: Columns.toTimestampOrNull(token.expires_at),
  updated_at: Columns.toTimestamp(token.updated_at),
  deleted_at: Columns.toTimestampOrNull(token.deleted_at)
})

export const fromRow = (row: Columns.Row): ApiToken.ApiToken =>
  new ApiToken.ApiToken({
    id: Columns.id(Ids.ApiTokenId)(row, "id"),
    account_id: Columns.id(Ids.AccountId)(row, "account_id"),
    token_scope: Columns.literal(row, "token_scope", ApiToken.TokenScope),
    agent_deployment_id: Columns.idOrNull(Ids.DeploymentId)(row, "agent_deployment_id"),
    agent_id: Columns.idOrNull(Ids.AgentId)(row, "agent_id"),
    environment_id: Columns.idOrNull(Ids.EnvironmentId)(row, "environment_id"),
    status: Columns.literal(row, "status", ApiToken.TokenStatus),
    secret_hash: Columns.text(row, "secret_hash"),
    expires_at: Columns.timeOrNull(row, "expires_at"),
    last_used_at: Columns.timeOrNull(row, "last_used_at"),
    inserted_at: Columns.time(row, "inserted_at"),
    updated_at: Columns.time(row, "updated_at"),
    deleted_at: Columns.timeOrNull(row, "deleted_at")
  }, true)
