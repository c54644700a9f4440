/**
 * The console's bundle as the server holds it: the page (`index.html`) and the hashed assets
 * under `assets/`, read once from the package's `public/` folder (what `build/bundle.ts` writes)
 * with their content types and entity tags. A server started before the bundle was built still
 * starts: it answers the console's routes with a page that says how to build it.
 */
import { createHash } from "node:crypto"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, extname, join } from "node:path"
import { assetCacheControl, pageCacheControl } from "./Policy.js"

/** One file the console serves. */
export interface Asset {
  readonly body: Uint8Array
  readonly contentType: string
  readonly cacheControl: string
  /** A strong entity tag: the hash of the body. */
  readonly etag: string
}

/** The bundle, or why there is none. */
export type Bundle =
  | { readonly _tag: "Built"; readonly page: Asset; readonly assets: ReadonlyMap<string, Asset> }
  | { readonly _tag: "Missing"; readonly page: Asset }

/**
 * The folder the bundle is built into: the package's `public/`, found through the package's own
 * name rather than beside this module, so it is found from the sources, the package's build, and
 * an app that bundles this module into files of its own (`npm start` runs such a bundle).
 */
export const defaultFolder: string = join(dirname(createRequire(import.meta.url).resolve("@agentledger/console/package.json")), "public")

const contentTypes: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
  ".json": "application/json"
}

/** The content type of a file name; what the console does not ship is served as bytes, never sniffed. */
export const contentTypeOf = (name: string): string => contentTypes[extname(name).toLowerCase()] ?? "application/octet-stream"

/** A served file from its bytes. */
export const asset = (name: string, body: Uint8Array, cacheControl: string): Asset => ({
  body,
  contentType: contentTypeOf(name),
  cacheControl,
  etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 32)}"`
})

const missingPage: Asset = asset(
  "index.html",
  new TextEncoder().encode(
    "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>agentledger console</title>" +
      "<h1>The console is not built</h1><p>The server found no console bundle in the console package's " +
      "<code>public/</code> folder. Build it with <code>npm run build</code> (<code>npm start</code> does it " +
      "first), then reload this page. The API is served at <code>/api/v1</code>.</p>"
  ),
  pageCacheControl
)

/** Reads the bundle in `folder` (default: the package's `public/`). */
export const load = (folder: string = defaultFolder): Bundle => {
  const index = join(folder, "index.html")
  if (!existsSync(index)) return { _tag: "Missing", page: missingPage }
  const assets = new Map<string, Asset>()
  const assetFolder = join(folder, "assets")
  if (existsSync(assetFolder)) {
    for (const entry of readdirSync(assetFolder, { withFileTypes: true })) {
      if (entry.isFile()) assets.set(entry.name, asset(entry.name, readFileSync(join(assetFolder, entry.name)), assetCacheControl))
    }
  }
  return { _tag: "Built", page: asset("index.html", readFileSync(index), pageCacheControl), assets }
}
