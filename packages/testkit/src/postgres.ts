/**
 * A real PostgreSQL server for tests and benchmarks, started from the machine's binaries
 * (`initdb` + `pg_ctl`) in a temporary directory on a free loopback port, and stopped and
 * removed afterwards — also when the process exits early.
 *
 * PostgreSQL refuses to run as root, and CI runs as root: the server then runs as an
 * unprivileged system user, created when it does not exist.
 */
import { execFileSync, spawnSync } from "node:child_process"
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

export interface PostgresServer {
  readonly host: string
  readonly port: number
  readonly user: string
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string
  /** `url` for another database on the same server. */
  readonly urlOf: (database: string) => string
  readonly dataDir: string
  readonly stop: () => void
}

export interface PostgresOptions {
  /** Keep PostgreSQL's durability settings (fsync, synchronous commit); off by default for speed. */
  readonly durable?: boolean
}

const serviceUser = "agentledger-pg"

/** The directory holding `initdb` and `pg_ctl`: PG_BIN, Debian's layout (newest first), or PATH. */
export const findBinaries = (): string => {
  const fromEnv = process.env["PG_BIN"]
  if (fromEnv !== undefined && existsSync(join(fromEnv, "pg_ctl"))) return fromEnv
  const debian = "/usr/lib/postgresql"
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => existsSync(join(debian, v, "bin", "pg_ctl")))
      .sort((a, b) => Number(b) - Number(a))
    if (versions[0] !== undefined) return join(debian, versions[0], "bin")
  }
  const which = spawnSync("sh", ["-c", "command -v pg_ctl"], { encoding: "utf8" })
  const found = which.stdout.trim()
  if (which.status === 0 && found !== "") return found.slice(0, found.lastIndexOf("/"))
  throw new Error("PostgreSQL binaries (initdb, pg_ctl) not found: install the postgresql package or set PG_BIN")
}

/** A free loopback port (for a server this process is about to start). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no free port"))))
    })
  })

const isRoot = () => typeof process.getuid === "function" && process.getuid() === 0

/** Runs a PostgreSQL binary, as the service user when we are root. */
const run = (binary: string, args: ReadonlyArray<string>) => {
  const command = isRoot() ? ["runuser", ["-u", serviceUser, "--", binary, ...args]] as const : [binary, args] as const
  const result = spawnSync(command[0], [...command[1]], { encoding: "utf8" })
  if (result.status !== 0) {
    throw new Error(`${binary} ${args.join(" ")} failed (${result.status}): ${result.stderr || result.stdout}`)
  }
}

const ensureServiceUser = (): { readonly uid: number; readonly gid: number } => {
  const probe = spawnSync("id", ["-u", serviceUser], { encoding: "utf8" })
  if (probe.status !== 0) execFileSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", serviceUser])
  const uid = Number(execFileSync("id", ["-u", serviceUser], { encoding: "utf8" }).trim())
  const gid = Number(execFileSync("id", ["-g", serviceUser], { encoding: "utf8" }).trim())
  return { uid, gid }
}

/** Starts a fresh server; `stop()` (or the process exiting) stops it and removes its files. */
export const startPostgres = async (options: PostgresOptions = {}): Promise<PostgresServer> => {
  const bin = findBinaries()
  const root = mkdtempSync(join(tmpdir(), "agentledger-pg-"))
  const dataDir = join(root, "data")
  if (isRoot()) {
    const { gid, uid } = ensureServiceUser()
    chownSync(root, uid, gid)
  }
  chmodSync(root, 0o755)
  let stopped = false
  const stop = () => {
    if (stopped) return
    stopped = true
    try {
      run(join(bin, "pg_ctl"), ["-D", dataDir, "-m", "immediate", "-w", "stop"])
    } catch {
      // Already down (or never started): only the files remain to remove.
    }
    rmSync(root, { recursive: true, force: true })
  }
  process.once("exit", stop)
  try {
    run(join(bin, "initdb"), ["-D", dataDir, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-sync", "--no-instructions"])
    const port = await freePort()
    const settings = [
      `-p ${port}`,
      "-c listen_addresses=127.0.0.1",
      `-c unix_socket_directories=${root}`,
      "-c max_connections=100",
      ...(options.durable === true ? [] : ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"])
    ]
    run(join(bin, "pg_ctl"), ["-D", dataDir, "-o", settings.join(" "), "-l", join(root, "server.log"), "-w", "-t", "60", "start"])
    const urlOf = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`
    return { host: "127.0.0.1", port, user: "postgres", url: urlOf("postgres"), urlOf, dataDir, stop }
  } catch (error) {
    stop()
    throw error
  }
}
