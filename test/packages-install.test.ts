/**
 * The packages as a user installs them. Each one is built (`tsc -b`) and packed (`npm pack`); the
 * tarballs are installed with npm into a project outside the workspace, from npm's cache alone
 * (`npm ci --offline`, its lockfile pinned to the workspace's: support/scratchLockfile.ts); and a
 * plain `node` program there — no loader, no TypeScript — embeds the Ledger on memory and on
 * PGlite, and talks through the HTTP client to the server, started from the app's build.
 */
import { Schema } from "effect"
import { execFile } from "node:child_process"
import { createHash } from "node:crypto"
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { builtinModules } from "node:module"
import { tmpdir } from "node:os"
import { join, relative } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { closureOf, Manifest, scratchLockfile, type Tarball } from "./support/scratchLockfile.js"
import { listening, type Run, serveBuilt } from "./support/serveProcess.js"

const root = join(import.meta.dirname, "..")
const names = ["domain", "store-memory", "store-postgres", "http", "testkit", "checker-worker"] as const
const token = `pf_${"i".repeat(43)}`

/**
 * The environment of a child npm: `npm test` hands its children npm's settings as `npm_*`
 * variables, and some (`npm_config_local_prefix`) would point a child npm at the workspace.
 * The cache and the configuration files stay.
 */
const kept = new Set(["npm_config_cache", "npm_config_userconfig", "npm_config_globalconfig", "npm_config_registry"])
const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => key !== "NODE_OPTIONS" && (!key.startsWith("npm_") || kept.has(key)))
)

const run = (command: string, args: ReadonlyArray<string>, cwd: string) =>
  promisify(execFile)(command, [...args], { cwd, env: cleanEnv, timeout: 240_000, maxBuffer: 64 * 1024 * 1024 })

const Packed = Schema.Array(Schema.Struct({ name: Schema.String, filename: Schema.String, files: Schema.Array(Schema.Struct({ path: Schema.String })) }))

const manifestOf = (name: string): Manifest =>
  Schema.decodeUnknownSync(Manifest)(JSON.parse(readFileSync(join(root, "packages", name, "package.json"), "utf8")))

/** Every file under `dir`, relative to it. */
const filesUnder = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => relative(dir, join(entry.parentPath, entry.name)))

/** The packages a built module imports (`from "x"`, `import("x")`, `import "x"`), by package name. */
const importedPackages = (code: string): ReadonlyArray<string> =>
  [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s*)["']([^"']+)["']/gm)]
    .map((match) => match[1] ?? "")
    .filter((specifier) => !specifier.startsWith(".") && !specifier.startsWith("node:") && !builtinModules.includes(specifier))
    .map((specifier) => specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/"))

const scratch = mkdtempSync(join(tmpdir(), "agentledger-install-"))
const tarballs: Array<Tarball & { readonly files: ReadonlyArray<string> }> = []
let lockfile: unknown
let server: Run | undefined

beforeAll(async () => {
  await run("npm", ["run", "build", "--silent"], root)
  // The server starts while the packages install.
  server = serveBuilt(["--memory"], { AGENTLEDGER_BOOTSTRAP_TOKEN: token })
  mkdirSync(join(scratch, "tarballs"))
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", join(scratch, "tarballs"), ...names.flatMap((name) => ["-w", `packages/${name}`])], root)
  for (const packed of Schema.decodeUnknownSync(Packed)(JSON.parse(stdout))) {
    const file = `tarballs/${packed.filename}`
    const integrity = `sha512-${createHash("sha512").update(readFileSync(join(scratch, file))).digest("base64")}`
    const name = names.find((candidate) => `@agentledger/${candidate}` === packed.name)
    if (name === undefined) throw new Error(`npm packed ${packed.name}, which is not one of the packages`)
    tarballs.push({ file, integrity, manifest: manifestOf(name), files: packed.files.map((entry) => entry.path) })
  }
  const registry = (await run("npm", ["config", "get", "registry"], root)).stdout.trim()
  lockfile = scratchLockfile("installed-packages", readFileSync(join(root, "package-lock.json"), "utf8"), registry, tarballs)
  writeFileSync(join(scratch, "package.json"), JSON.stringify({
    name: "installed-packages",
    private: true,
    type: "module",
    dependencies: Object.fromEntries(tarballs.map(({ file, manifest }) => [manifest.name, `file:${file}`]))
  }, null, 2))
  writeFileSync(join(scratch, "package-lock.json"), JSON.stringify(lockfile, null, 2))
  copyFileSync(join(import.meta.dirname, "fixtures", "installed-packages.mjs"), join(scratch, "installed-packages.mjs"))
  await run("npm", ["ci", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"], scratch)
}, 300_000)

afterAll(async () => {
  if (server !== undefined && server.child.exitCode === null) {
    server.child.kill("SIGTERM")
    await server.exited
  }
  rmSync(scratch, { recursive: true, force: true })
})

describe("the packages, packed and installed", () => {
  it("each tarball holds its package's build with declarations, and no sources", () => {
    expect(tarballs.map(({ manifest }) => manifest.name).sort()).toEqual(names.map((name) => `@agentledger/${name}`).sort())
    for (const { files, manifest } of tarballs) {
      const outsideBuild = files.filter((path) => !path.startsWith("dist/"))
      expect(outsideBuild.filter((path) => path !== "package.json" && path !== "README.md"), manifest.name).toEqual([])
      expect(files, manifest.name).toEqual(expect.arrayContaining(["dist/index.js", "dist/index.d.ts"]))
      expect(files.filter((path) => /\.ts$/.test(path) && !path.endsWith(".d.ts")), manifest.name).toEqual([])
      expect(files.filter((path) => path.endsWith(".tsbuildinfo")), manifest.name).toEqual([])
    }
    // The worker threads' entries: PGlite's script beside its module, the checker's compiled worker.
    expect(tarballs.find(({ manifest }) => manifest.name === "@agentledger/store-postgres")?.files).toContain("dist/pglite-worker.mjs")
    expect(tarballs.find(({ manifest }) => manifest.name === "@agentledger/checker-worker")?.files).toContain("dist/worker.js")
  })

  // tsc -b trusts its tsbuildinfo: kept outside dist/, a deleted dist/ was never built again.
  it("each package's build keeps its tsbuildinfo in its dist/, so the two go together", () => {
    for (const name of names) expect(existsSync(join(root, "packages", name, "dist", "tsconfig.tsbuildinfo")), name).toBe(true)
  })

  it("each package declares every package its build imports", () => {
    for (const { manifest } of tarballs) {
      const dist = join(root, "packages", manifest.name.replace("@agentledger/", ""), "dist")
      const declared = new Set([manifest.name, ...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})])
      const imported = new Set(filesUnder(dist).filter((path) => /\.m?js$/.test(path)).flatMap((path) => importedPackages(readFileSync(join(dist, path), "utf8"))))
      expect([...imported].filter((name) => !declared.has(name)), manifest.name).toEqual([])
    }
  })

  it("the HTTP package pulls in no store: no pg, no PGlite", () => {
    const http = tarballs.find(({ manifest }) => manifest.name === "@agentledger/http")?.manifest
    expect(Object.keys(http?.dependencies ?? {}).sort()).toEqual(["@agentledger/domain", "@effect/platform", "@effect/platform-node", "effect"])
    const pulled = closureOf(lockfile, "node_modules/@agentledger/http")
    for (const store of ["pg", "@electric-sql/pglite", "@effect/sql-pg", "@agentledger/store-memory", "@agentledger/store-postgres"]) {
      expect(pulled.has(store), store).toBe(false)
    }
  })

  it("a plain node program embeds the Ledger on memory and on PGlite, and reaches the app's server through the HTTP client", async () => {
    if (server === undefined) return expect.fail("the server was not started")
    const url = await listening(server)
    const { stdout } = await run(process.execPath, ["installed-packages.mjs", join(scratch, "pglite"), url, token], scratch)
    const answers = stdout.trim().split("\n").map((line): unknown => JSON.parse(line))
    const recorded = { status: "complete", spans: 2, conformance: ["conforms", "mismatch"] }
    expect(answers).toEqual([
      { store: "memory", ...recorded },
      { store: "pglite", ...recorded },
      { store: "http", ...recorded },
      { testkit: true }
    ])
  }, 180_000)
})
