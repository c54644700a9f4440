/**
 * The console's mount on the server: its pages and assets as routes of the contract's router
 * (`HttpApiBuilder.Router`), so that one server and one port answer both the API and the
 * console. Every page path answers the same page (the console routes in the browser); assets
 * answer by name. Each answer carries its content type, its cache rule and the console's
 * security headers (`Policy.ts`), and a repeat visit with the entity tag gets a 304.
 *
 * The console is a client of the HTTP API: nothing here reads the `Ledger` or a token. The paths
 * are outside `/api/`, which the server's gate keeps for the API.
 */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Effect, type Layer } from "effect"
import * as Assets from "./Assets.js"
import { securityHeaders } from "./Policy.js"

/** The paths the console's router in the browser knows: each answers the page. */
export const pagePaths: ReadonlyArray<`/${string}`> = [
  "/",
  "/overview",
  "/runs",
  "/runs/*",
  "/agents",
  "/agents/*",
  "/profiles",
  "/profiles/*",
  "/environments",
  "/tokens",
  "/tokens/*",
  "/retention",
  "/audit"
]

/** Where the hashed assets are served from. */
export const assetPrefix = "/assets/"

/** The answer of a served file: 304 when the browser already holds these bytes. */
export const respond = (file: Assets.Asset) =>
  Effect.map(HttpServerRequest.HttpServerRequest, (request) => {
    const headers = { ...securityHeaders, "cache-control": file.cacheControl, etag: file.etag }
    return request.headers["if-none-match"] === file.etag
      ? HttpServerResponse.empty({ status: 304, headers })
      : HttpServerResponse.uint8Array(file.body, { contentType: file.contentType, headers })
  })

const notFound = HttpServerResponse.text("no such console asset", {
  status: 404,
  headers: { ...securityHeaders, "cache-control": "no-store" }
})

/** The asset a request names, if the bundle has it. */
const assetOf = (bundle: Assets.Bundle, url: string): Assets.Asset | undefined => {
  if (bundle._tag === "Missing") return undefined
  const path = url.split("?")[0] ?? ""
  return bundle.assets.get(path.slice(assetPrefix.length))
}

export interface ConsoleOptions {
  /** The folder of the built bundle (default: the package's `public/`). */
  readonly folder?: string
}

/**
 * The console on the contract's router: provide it to the server's layer (`Server.layer`). The
 * bundle is read once, when the layer is built.
 */
export const layer = (options: ConsoleOptions = {}): Layer.Layer<never> =>
  HttpApiBuilder.Router.use((router) =>
    Effect.gen(function*() {
      const bundle = Assets.load(options.folder)
      const page = respond(bundle.page)
      for (const path of pagePaths) yield* router.get(path, page)
      yield* router.get(`${assetPrefix}*`, Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
        const file = assetOf(bundle, request.url)
        return file === undefined ? Effect.succeed(notFound) : respond(file)
      }))
    })
  )
