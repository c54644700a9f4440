/**
 * The reference's access (the Prefactor platform's API and docs/http.md): API tokens, a created token with its
 * secret once, accounts as the operator API creates them, and the principal `GET ping` answers.
 * (Reference Schemas: see fields.ts for where they come from and why nothing here is imported
 * from packages/http.)
 */
import { Schema } from "effect"
import { Pfid, Timestamp } from "./fields.js"

/** the Prefactor platform's API */
export const ApiToken = Schema.Struct({
  type: Schema.Literal("api_token"),
  id: Pfid,
  account_id: Pfid,
  token_scope: Schema.Literal("account", "agent_deployment", "environment"),
  agent_deployment_id: Schema.NullOr(Pfid),
  agent_id: Schema.NullOr(Pfid),
  environment_id: Schema.NullOr(Pfid),
  expires_at: Schema.NullOr(Timestamp),
  last_used_at: Schema.NullOr(Timestamp),
  status: Schema.Literal("active", "suspended", "revoked"),
  inserted_at: Timestamp,
  updated_at: Timestamp
}).annotations({ identifier: "ApiToken" })

/** the Prefactor platform's API and docs/http.md: the create answer is `{details, token}`, the secret once. */
export const CreatedApiToken = Schema.Struct({ status: Schema.Literal("success"), details: ApiToken, token: Schema.String }).annotations({
  identifier: "CreatedApiToken"
})

/** the Prefactor platform's API */
export const Account = Schema.Struct({
  type: Schema.Literal("account"),
  id: Pfid,
  name: Schema.String,
  inserted_at: Timestamp,
  updated_at: Timestamp
}).annotations({ identifier: "Account" })

/** docs/http.md: the operator API answers `{details: Account, api_token, token}`. */
export const CreatedAccount = Schema.Struct({ status: Schema.Literal("success"), details: Account, api_token: ApiToken, token: Schema.String })

/** docs/http.md: `GET ping` answers the token's principal. */
export const Principal = Schema.Struct({
  type: Schema.String,
  account_id: Pfid,
  token_scope: Schema.Literal("account", "agent_deployment"),
  agent_id: Schema.NullOr(Pfid),
  environment_id: Schema.NullOr(Pfid),
  agent_deployment_id: Schema.NullOr(Pfid)
}).annotations({ identifier: "Principal" })
