/**
 * The main job in a process of its own (`packages/http/main/serve.ts` under tsx), as a user
 * starts it: its output captured, its address read from its log.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { join } from "node:path"

export interface Run {
  readonly child: ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
  readonly exited: Promise<number | null>
}

const root = join(import.meta.dirname, "..", "..")

/** A TypeScript entry of this repository (`args[0]`) under tsx, from the repository's root. */
export const run = (args: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}): Run => {
  const child = spawn(process.execPath, ["--import", "tsx", ...args], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: "", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)))
  return { child, stdout: () => stdout, stderr: () => stderr, exited }
}

/** `serve` on a free port with `flags`. */
export const serve = (flags: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}): Run =>
  run(["packages/http/main/serve.ts", "--port", "0", ...flags], env)

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
