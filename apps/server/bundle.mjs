// Builds what `npm start` runs (its `prestart`; also `npm run build`): the server bundled with
// esbuild from the sources into apps/server/dist, so that a start loads a few files rather than
// the ~800 modules of the packages' builds and of effect (docs/decisions.md, "Startup").
//
//   dist/main.js            the entry (src/main.ts), small: it starts PGlite's thread, then loads
//   dist/*-<hash>.js        the rest, split where main.ts imports the composition root lazily
//   dist/worker.js          a schema checker thread's entry, where the checker's pool looks for
//                           it: a bundle of its own, with only what a checker thread runs
//   dist/pglite-worker.mjs  PGlite's thread (copied: plain JavaScript), where PgliteThread looks for it
//
// PGlite and pg stay outside (they load their WebAssembly and native parts from their packages).
// It builds only when needed: when an input of the last build, or the installed packages, changed
// since it began, or one of its outputs is missing. Plain JavaScript on purpose: it runs before
// anything is built, with nothing but Node and esbuild.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../..", import.meta.url))
const outdir = join(root, "apps", "server", "dist")
const metafile = join(outdir, "bundle-meta.json")
const server = { in: "apps/server/src/main.ts", out: "main" }
const checkerThread = { in: "packages/checker-worker/src/worker.ts", out: "worker" }
const copies = [{ from: "packages/store-postgres/src/pglite-worker.mjs", to: "pglite-worker.mjs" }]
// What else invalidates a build: this script, and what npm installed (npm rewrites this file on
// every install, while the files it extracts keep their packages' timestamps).
const alwaysInputs = ["apps/server/bundle.mjs", "node_modules/.package-lock.json"]

const modified = (path) => {
  try {
    return statSync(join(root, path)).mtimeMs
  } catch {
    return Number.POSITIVE_INFINITY
  }
}

/** The last build's record (esbuild's metafile), or null when there is none to trust. */
const lastBuild = () => {
  try {
    return JSON.parse(readFileSync(metafile, "utf8"))
  } catch {
    return null
  }
}

/** The outputs of a build, relative to the repository's root. */
const outputsOf = (meta) => [...Object.keys(meta.outputs), ...copies.map((copy) => `apps/server/dist/${copy.to}`)]

const isCurrent = (meta) => {
  if (meta === null) return false
  // The record's time is when that build began (set below), so an edit made during it counts.
  const began = statSync(metafile).mtimeMs
  const inputs = [...Object.keys(meta.inputs), ...copies.map((copy) => copy.from), ...alwaysInputs]
  return inputs.every((input) => modified(input) <= began) && outputsOf(meta).every((output) => existsSync(join(root, output)))
}

const previous = lastBuild()
if (!isCurrent(previous)) {
  const began = new Date()
  const { build } = await import("esbuild")
  const options = {
    absWorkingDir: root,
    outdir,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    // The packages' sources, as the tests run them: no package needs its own build first.
    conditions: ["@agentledger/source"],
    external: ["@electric-sql/pglite", "pg", "pg-native"],
    // The CommonJS modules bundled in (ws, among others) call `require` for Node's modules.
    banner: { js: "import { createRequire as __createRequire } from \"node:module\"; const require = __createRequire(import.meta.url);" },
    metafile: true,
    logLevel: "warning"
  }
  const [served, checker] = await Promise.all([
    build({ ...options, entryPoints: [server], splitting: true, entryNames: "[name]", chunkNames: "[name]-[hash]" }),
    build({ ...options, entryPoints: [checkerThread] })
  ])
  const record = {
    inputs: { ...served.metafile.inputs, ...checker.metafile.inputs },
    outputs: { ...served.metafile.outputs, ...checker.metafile.outputs }
  }
  mkdirSync(outdir, { recursive: true })
  for (const copy of copies) copyFileSync(join(root, copy.from), join(outdir, copy.to))
  // Chunks of the previous build that this one does not write again.
  const written = new Set(outputsOf(record))
  for (const output of previous === null ? [] : outputsOf(previous)) {
    if (!written.has(output)) rmSync(join(root, output), { force: true })
  }
  writeFileSync(metafile, JSON.stringify(record))
  utimesSync(metafile, began, began)
  process.stderr.write(`bundled the server into apps/server/dist in ${Date.now() - began.getTime()} ms\n`)
}
