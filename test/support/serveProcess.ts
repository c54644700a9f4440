/**
 * The main job in a process of its own (`apps/server/src/main.ts` from the sources, or the app's
 * build), as a user starts it: its output captured, its address read from its log.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { closeSync, openSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { sourceExecArgv } from "./sources.js"

export interface Run {
  readonly child: ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
  readonly exited: Promise<number | null>
}

const root = join(import.meta.dirname, "..", "..")

export interface RunOptions {
  /**
   * Write the process's output (stdout and stderr both) to this file instead of a pipe: its log
   * then costs the reader nothing while it runs (a bench's servers log every request).
   * `stdout()` reads the file; `stderr()` is empty.
   */
  readonly logFile?: string
}

/** `node` with `nodeArgs`, from the repository's root. */
const start = (nodeArgs: ReadonlyArray<string>, env: Readonly<Record<string, string>>, options: RunOptions): Run => {
  const { logFile } = options
  const log = logFile === undefined ? undefined : openSync(logFile, "w")
  const child = spawn(process.execPath, nodeArgs, {
    cwd: root,
    env: { ...process.env, DATABASE_URL: "", ...env },
    stdio: log === undefined ? ["ignore", "pipe", "pipe"] : ["ignore", log, log]
  })
  if (log !== undefined) closeSync(log)
  let stdout = ""
  let stderr = ""
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)))
  return { child, stdout: () => (logFile === undefined ? stdout : readFileSync(logFile, "utf8")), stderr: () => stderr, exited }
}

/** A TypeScript entry of this repository (`args[0]`) from the sources (`sourceExecArgv`), from the repository's root. */
export const run = (args: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}, options: RunOptions = {}): Run =>
  start([...sourceExecArgv, ...args], env, options)

/** `serve` on a free port with `flags`. */
export const serve = (flags: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}, options: RunOptions = {}): Run =>
  run(["apps/server/src/main.ts", "--port", "0", ...flags], env, options)

/** `serve` as `npm start` runs it — the app's build, so build it first (`npm run build`) — on a free port with `flags`. */
export const serveBuilt = (flags: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}, options: RunOptions = {}): Run =>
  start(["apps/server/dist/main.js", "--port", "0", ...flags], env, options)

/** The address a served process listens on, once it says so (within a minute). */
export const listening = async (served: Run): Promise<string> => {
  for (let waited = 0; waited < 60_000; waited += 100) {
    const found = /Listening on (http:\/\/[\d.]+:\d+)/.exec(served.stdout() + served.stderr())
    if (found?.[1] !== undefined) return found[1]
    if (served.child.exitCode !== null) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`the server did not start:\n${served.stdout()}${served.stderr()}`)
}

/** How many times `text` appears in a served process's output. */
export const occurrences = (served: Run, text: string): number => (served.stdout() + served.stderr()).split(text).length - 1

/**
 * How many requests for `path` each process answered, by pid: `serve --workers N` marks every
 * log line of a worker with its pid, and logs one entry per request (a pretty log entry is a
 * `[time]` line followed by its indented annotations).
 */
export const answeredByPid = (served: Run, path: string): ReadonlyMap<string, number> => {
  const counts = new Map<string, number>()
  for (const entry of (served.stdout() + served.stderr()).split(/\n(?=\[)/)) {
    if (!entry.includes("Sent HTTP response") || !entry.includes(`http.url: ${path}`)) continue
    const pid = /\bpid: (\d+)/.exec(entry)?.[1]
    if (pid !== undefined) counts.set(pid, (counts.get(pid) ?? 0) + 1)
  }
  return counts
}
