/**
 * Builds the console: bundles `app/` (Preact, TypeScript) with esbuild into `public/assets/`,
 * each file named by the hash of its content, and writes `public/index.html` naming them. The
 * server reads `public/` as it is (`src/Assets.ts`). `npm start` runs this before the server
 * (`prestart`, from this module's build: `npm run bundle`), and leaves a bundle newer than every
 * source as it is; the console's tests and bench call `bundle()` themselves.
 *
 *   npm run bundle            (node packages/console/build/dist/bundle.js [--force])
 */
import * as esbuild from "esbuild"
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { basename, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

/** The console package: this module runs from build/ (sources) or build/dist/ (its build). */
const packageRoot = ((here: string) => (basename(here) === "dist" ? join(here, "..", "..") : join(here, "..")))(fileURLToPath(new URL(".", import.meta.url)))

/** What one build wrote: the page and the assets it names, relative to `public/`. */
export interface Bundled {
  readonly folder: string
  readonly script: string
  readonly stylesheet: string
  readonly bytes: number
}

const escapeAttribute = (text: string): string => text.replace(/&/g, "&amp;").replace(/"/g, "&quot;")

/** The newest modification time of the files under `path`. */
const newest = (path: string): number =>
  statSync(path).isDirectory() ? Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name)))) : statSync(path).mtimeMs

/** Whether the bundle in `folder` is older than a source of it (the app, this builder, the lockfile's packages). */
export const isStale = (folder: string = join(packageRoot, "public")): boolean => {
  const page = join(folder, "index.html")
  if (!existsSync(page)) return true
  const sources = [join(packageRoot, "app"), join(packageRoot, "build", "bundle.ts"), join(packageRoot, "package.json"), join(packageRoot, "..", "..", "package-lock.json")]
  return Math.max(...sources.filter((source) => existsSync(source)).map(newest)) > statSync(page).mtimeMs
}

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
if (invokedDirectly && !process.argv.includes("--force") && !isStale()) {
  process.stdout.write("console bundle up to date\n")
} else if (invokedDirectly) {
  bundle().then(
    (bundled) => process.stdout.write(`console bundled: ${bundled.script}, ${bundled.stylesheet} (${Math.round(bundled.bytes / 1024)} KiB)\n`),
    (error: unknown) => {
      process.stderr.write(`the console could not be bundled: ${String(error)}\n`)
      process.exit(1)
    }
  )
}
