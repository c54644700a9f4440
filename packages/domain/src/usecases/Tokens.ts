/**
 * The API token use cases: issue a token (its secret shown this once), read and list tokens
 * (never their secret's hash), move one through its statuses, delete a revoked one (which keeps
 * its record, shown no more: `ApiToken.remove`). A change to a token forgets the process's
 * looked-up tokens once it has committed (`Shared.tokensChanged`).
 */
import { type DateTime, Effect, type Either } from "effect"
import * as ApiToken from "../ApiToken.js"
import type { MutationOptions } from "../Commands.js"
import type { InvalidAction } from "../Errors.js"
import * as Ids from "../Ids.js"
import { CreatedToken, type LedgerSession } from "../Ledger.js"
import { sortFields } from "../LedgerStore.js"
import { list } from "./Listing.js"
import { conflictOn } from "./Loads.js"
import type { Session } from "./Session.js"
import { fromEither } from "./Shared.js"
import { useCase } from "./Tracing.js"

type TokenUseCases = Pick<
  LedgerSession,
  "createToken" | "getToken" | "listTokens" | "suspendToken" | "activateToken" | "revokeToken" | "expireToken" | "deleteToken"
>

/** The audit log's id of a token a mutation answers. */
const subject = (token: ApiToken.ApiTokenView) => token.id

export const make = ({ account, load, shared, work }: Session): TokenUseCases => {
  /** A use case that moves a token from one status to another, as `decide` says. */
  const transition = (
    name: string,
    operation: string,
    decide: (token: ApiToken.ApiToken, at: DateTime.Utc) => Either.Either<ApiToken.ApiToken, InvalidAction>
  ) =>
    useCase(name, (id: Ids.ApiTokenId, options?: MutationOptions) =>
      shared.tokensChanged(work.mutate({ operation, request: { id }, answer: ApiToken.ApiTokenView, options, subject }, (tx, trail) =>
        Effect.gen(function*() {
          const token = yield* load.token(tx, id)
          yield* trail.before(ApiToken.ApiTokenView, ApiToken.viewOf(token))
          const next = yield* fromEither(decide(token, yield* shared.now))
          yield* tx.tokens.update(next)
          return ApiToken.viewOf(next)
        }))))

  return {
    createToken: useCase("Ledger.createToken", (input, options) =>
      work.mutate({
        operation: "api_token.create",
        request: input,
        answer: CreatedToken,
        options,
        // The secret is never kept: a replay answers the token without it, the audit log too.
        kept: (created) => ({ ...created, secret: null }),
        subject: (created) => created.token.id
      }, (tx) =>
        Effect.gen(function*() {
          const at = yield* shared.now
          const deployment = yield* fromEither(ApiToken.requestedDeployment(input.token_scope, input.agent_deployment_id))
          const target = deployment === null ? null : yield* load.deployment(tx, deployment)
          yield* fromEither(ApiToken.checkExpiry(input.expires_at, at))
          const secret = yield* fromEither(ApiToken.formatSecret(shared.entropy.bytes(ApiToken.secretBytes)))
          const token = ApiToken.issue({
            id: shared.newId(Ids.ApiTokenId, account, at),
            account_id: account,
            token_scope: input.token_scope,
            target,
            secret,
            expires_at: input.expires_at
          }, at)
          yield* tx.tokens.insert(token).pipe(Effect.mapError(conflictOn("token collision; try again")))
          return { token: ApiToken.viewOf(token), secret }
        }))),

    getToken: useCase("Ledger.getToken", (id) => work.read((tx) => load.token(tx, id)).pipe(Effect.map(ApiToken.viewOf))),

    listTokens: useCase("Ledger.listTokens", (request) =>
      work.read((tx) => list(request, sortFields.api_token, "-id", (query) => tx.tokens.list({}, query))).pipe(
        Effect.map((page) => ({ ...page, items: page.items.map(ApiToken.viewOf) }))
      )),

    suspendToken: transition("Ledger.suspendToken", "api_token.suspend", ApiToken.suspend),
    activateToken: transition("Ledger.activateToken", "api_token.activate", ApiToken.activate),
    revokeToken: transition("Ledger.revokeToken", "api_token.revoke", ApiToken.revoke),
    expireToken: transition("Ledger.expireToken", "api_token.expire", ApiToken.expire),

    deleteToken: useCase("Ledger.deleteToken", (id, options) =>
      shared.tokensChanged(work.mutate({ operation: "api_token.delete", request: { id }, answer: ApiToken.ApiTokenView, options, subject, removes: true }, (tx) =>
        Effect.gen(function*() {
          const token = yield* load.token(tx, id)
          yield* tx.tokens.update(yield* fromEither(ApiToken.remove(token, yield* shared.now)))
          return ApiToken.viewOf(token)
        }))))
  }
}
