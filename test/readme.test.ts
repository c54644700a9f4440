/**
 * The README's curl session, run as printed: it starts the server in memory on port 4318, drives
 * a run through curl, prints the timeline, and stops the server.
 */
import { execFile } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { promisify } from "node:util"
import { expect, it } from "vitest"

const root = join(import.meta.dirname, "..")

const curlSession = (): string => {
  const readme = readFileSync(join(root, "README.md"), "utf8")
  const section = readme.slice(readme.indexOf("## A curl session"))
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1]
  if (block === undefined) throw new Error("the README has no curl session")
  return block
}

it("the README's curl session works as printed", async () => {
  const { stdout } = await promisify(execFile)("bash", ["-c", curlSession()], { cwd: root, timeout: 90_000 })
  expect(stdout).toContain("Listening on http://127.0.0.1:4318")
  expect(stdout).toContain("payload: 'mismatch'")
  expect(stdout).toContain("finished: 2")
  expect(stdout).toContain("{ helpfulness: { score: 0.9 } }")
  expect(stdout).toContain("[ 'llm complete conforms', 'llm complete mismatch' ]")
  // The governance lines: the export's hash, the audit log, its chain, the redaction, the deletion.
  // (The server's request log shares stdout: its lines start with a time, their fields are indented.)
  const printed = stdout.slice(stdout.indexOf("'llm complete mismatch' ]")).split("\n").slice(1)
  const tail = printed.filter((line) => !/^\[\d\d:\d\d/.test(line) && !line.startsWith("  ")).slice(0, 6)
  expect(tail).toEqual(["64", "[ 'agent.create by api_token' ]", "true", "true", expect.stringMatching(/^[0-9a-z]{32}$/), "not_found"])
  await new Promise((resolve) => setTimeout(resolve, 1000))
  await expect(fetch("http://127.0.0.1:4318/api/v1/ping")).rejects.toThrow()
}, 120_000)
