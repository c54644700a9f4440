/**
 * Builds the console: bundles `app/` (Preact, TypeScript) with esbuild into `public/assets/`,
 * each file named by the hash of its content, and writes `public/index.html` naming them. The
 * server reads `public/` as it is (`src/Assets.ts`). `npm start` runs this before the server
 * (`prestart`); the console's tests and bench call `bundle()` themselves.
 *
 *   tsx packages/console/build/bundle.ts
 */
import * as esbuild from "esbuild"
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { basename, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const packageRoot = fileURLToPath(new URL("..", import.meta.url))

/** What one build wrote: the page and the assets it names, relative to `public/`. */
export interface Bundled {
  readonly folder: string
  readonly script: string
  readonly stylesheet: string
  readonly bytes: number
}

const escapeAttribute = (text: string): string => text.replace(/&/g, "&amp;").replace(/"/g, "&quot;")

/** Bundles the console into `folder` (default: the package's `public/`), replacing what was there. */
export const bundle = async (folder: string = join(packageRoot, "public")): Promise<Bundled> => {
  const assets = join(folder, "assets")
  rmSync(folder, { recursive: true, force: true })
  mkdirSync(assets, { recursive: true })
  const result = await esbuild.build({
    entryPoints: [join(packageRoot, "app", "main.tsx"), join(packageRoot, "app", "styles.css")],
    outdir: assets,
    entryNames: "[name]-[hash]",
    bundle: true,
    minify: process.env["CONSOLE_NO_MINIFY"] === undefined,
    format: "esm",
    platform: "browser",
    target: "es2022",
    jsx: "automatic",
    jsxImportSource: "preact",
    legalComments: "none",
    metafile: true,
    logLevel: "warning"
  })
  const outputs = Object.entries(result.metafile.outputs)
  const named = (extension: string): string => {
    const found = outputs.find(([path]) => path.endsWith(extension))
    if (found === undefined) throw new Error(`esbuild wrote no ${extension} file`)
    return `/assets/${basename(found[0])}`
  }
  const script = named(".js")
  const stylesheet = named(".css")
  const page = readFileSync(join(packageRoot, "app", "index.html"), "utf8")
    .replace("{{script}}", escapeAttribute(script))
    .replace("{{stylesheet}}", escapeAttribute(stylesheet))
  writeFileSync(join(folder, "index.html"), page)
  return { folder, script, stylesheet, bytes: outputs.reduce((sum, [, output]) => sum + output.bytes, 0) }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href
if (invokedDirectly) {
  bundle().then(
    (bundled) => process.stdout.write(`console bundled: ${bundled.script}, ${bundled.stylesheet} (${Math.round(bundled.bytes / 1024)} KiB)\n`),
    (error: unknown) => {
      process.stderr.write(`the console could not be bundled: ${String(error)}\n`)
      process.exit(1)
    }
  )
}
