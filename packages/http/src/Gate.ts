/**
 * The gate at the edge: which credential a request needs, checked before anything reads its
 * body. The contract's security middleware authenticates too, but it runs inside the route,
 * after the edge has read the body (for the depth check) and the route has decoded it: anyone
 * could make the server read and parse megabytes without a token. The gate reuses the contract's
 * own security (its bearer decoding and the same `Authentication` / `OperatorAuthentication`
 * services, whose account sessions are cached per token), so the rule stays in one place; the
 * route's check that follows is a cache hit.
 */
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiSecurity from "@effect/platform/HttpApiSecurity"
import type * as HttpRouter from "@effect/platform/HttpRouter"
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { Effect, Option } from "effect"
import { Authentication, LedgerApi, OperatorAuthentication } from "./Api.js"

/** The credential a request needs: an account or deployment token, the operator token, or none. */
export type Guard = "bearer" | "operator" | "public"

/** Everything under this prefix is the API; an unknown path there still needs a token, so probing finds nothing. */
const apiPrefix = "/api/"

const pattern = (path: string): RegExp =>
  new RegExp(`^${path.split("/").map((part) => (part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))).join("/")}/?$`)

/** The paths of the contract's operator endpoints, read from the contract itself. */
const operatorPaths: ReadonlyArray<RegExp> = (() => {
  const paths: Array<RegExp> = []
  HttpApi.reflect(LedgerApi, {
    onGroup: () => undefined,
    onEndpoint: ({ endpoint, middleware }) => {
      if ([...middleware].some((tag) => tag.key === OperatorAuthentication.key)) paths.push(pattern(endpoint.path))
    }
  })
  return paths
})()

/** The guard of a request's path (without its query). */
export const guardOf = (pathname: string): Guard =>
  operatorPaths.some((path) => path.test(pathname)) ? "operator" : pathname.startsWith(apiPrefix) ? "bearer" : "public"

/** The path of a request URL, without its query. */
export const pathnameOf = (request: HttpServerRequest.HttpServerRequest): string => {
  const url = request.url
  const query = url.indexOf("?")
  return query === -1 ? url : url.slice(0, query)
}

/**
 * The check of a guarded request: none when it may go on, else the message of its refusal (401).
 * Needs the contract's two authentications.
 */
export const make = Effect.gen(function*() {
  const accounts = yield* Authentication
  const operator = yield* OperatorAuthentication
  const bearer = HttpApiBuilder.securityDecode(HttpApiSecurity.bearer)
  return (guard: Guard): Effect.Effect<Option.Option<string>, never, HttpRouter.HttpRouter.Provided> =>
    guard === "public"
      ? Effect.succeedNone
      : Effect.flatMap(bearer, (token) => (guard === "operator" ? operator.bearer(token) : accounts.bearer(token))).pipe(
        Effect.match({ onFailure: (refusal) => Option.some(refusal.message), onSuccess: () => Option.none() })
      )
})
