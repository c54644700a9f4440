/**
 * Valid requests of the evidence export (docs/http.md, "Evidence export"), after the runs wrote
 * theirs: the first run's document, whose `sha256` is the hash of the text of its `export`
 * member as sent; the agent's runs as NDJSON, each line such a document; and the same through
 * the deployment token, whose own agent's runs these are.
 */
import { Schema } from "effect"
import { createHash } from "node:crypto"
import { expect, it } from "vitest"
import { decode } from "../../support/contract/decode.js"
import { ExportDocument } from "../../support/contract/export.js"
import type { ContractSession } from "../../support/contract/session.js"

/** The document's `sha256` is the SHA-256 of the bytes of its `export` member as sent (canonical, so as an auditor re-writes it). */
const expectVerified = (text: string): void => {
  const prefix = "{\"export\":"
  const suffix = /,"sha256":"([0-9a-f]{64})"}$/.exec(text)
  expect(text.startsWith(prefix) && suffix !== null, text.slice(0, 200)).toBe(true)
  const contents = text.slice(prefix.length, text.length - (suffix?.[0].length ?? 0))
  expect(createHash("sha256").update(contents).digest("hex")).toBe(suffix?.[1])
}

/** The valid requests of the evidence export. */
export const exportRequests = (contract: ContractSession): void => {
  const { call, ok, the } = contract

  it("GET agent_instance/{id}/export: the run's document, its tree and its hash", async () => {
    const answer = await call("GET agent_instance/{id}/export", { id: the("run") })
    const document = ok(answer, ExportDocument)
    expectVerified(answer.raw)
    expect(document.export.run.id).toBe(the("run"))
    expect(document.export.agent.id).toBe(the("agent"))
    expect(document.export.deployment?.record.id).toBe(the("deployment"))
    expect(document.export.deployment?.version_at_registration).toBe(the("version 1"))
    expect(document.export.risk_profile_revision?.id).toBe(the("second revision"))
    expect(document.export.spans.length).toBeGreaterThan(0)
    expect(document.export.spans.every((entry) => entry.span.agent_instance_id === the("run"))).toBe(true)
  })

  it("GET agent/{id}/export: the agent's runs as NDJSON, one verified document per line, oldest first", async () => {
    const answer = await call("GET agent/{id}/export", { id: the("agent"), query: "started_after=2000-01-01T00:00:00Z" })
    ok(answer, Schema.Unknown)
    expect(answer.raw.endsWith("\n")).toBe(true)
    const lines = answer.raw.slice(0, -1).split("\n")
    for (const line of lines) expectVerified(line)
    const runs = lines.map((line) => decode(ExportDocument, JSON.parse(line), "GET agent/{id}/export (a line)").export.run.id)
    expect(runs).toContain(the("run"))
    expect(runs).toContain(the("second run"))
    const scoped = await call("GET agent/{id}/export", { id: the("agent"), token: the("deployment secret") })
    expect(scoped.status).toBe(200)
    expect(scoped.raw.split("\n").filter((line) => line !== "")).toHaveLength(lines.length)
  })
}
