/**
 * Evidence export (docs/domain.md "Evidence export"): the document written a page at a time is
 * the RFC 8785 canonical form of its contents, whatever the pages, and its sha256 is that text's
 * hash (checked against an independent JCS); verification refuses any change; NDJSON lines are
 * hashed by whole lines; the deployment shown is the pointer's move in force at registration.
 */
import { describe, expect, it } from "@effect/vitest"
import { DateTime, Either, FastCheck as fc, Schema } from "effect"
import { Deployment, Export, ExportDocument, Ids, Span } from "@agentledger/domain"
import { jsonObject, runs } from "./arbitraries.js"
import { at, baseTime, idOf, makeInstance, referenceJcs, sha256 } from "./fixtures.js"

const run = makeInstance({ status: "complete" })
const time = "2023-11-14T22:13:20.000Z"

const head: Export.Head = Schema.decodeUnknownSync(Export.Head)({
  agent: {
    id: run.agent_id, account_id: run.account_id, name: "Support bot", description: null, external_identifier: null,
    status: "active", risk_profile_id: null, last_run_at: time, inserted_at: time, updated_at: time
  },
  agent_version: {
    id: run.agent_version_id, account_id: run.account_id, agent_id: run.agent_id, sequence: 1, external_identifier: "1.0.0",
    name: null, description: null, agent_schema_version_id: run.agent_schema_version_id,
    runtime_environment: { prefactor_sdk: null, agent_sdk: null, runtime: null, os: null },
    fingerprint: "f", inserted_at: time, updated_at: time
  },
  chain: { sequence: 7, hash: "a".repeat(64) },
  deployment: null,
  environment: {
    id: run.environment_id, account_id: run.account_id, name: "production", purpose: "production", description: null,
    inserted_at: time, updated_at: time
  },
  exported_at: time,
  exported_by: { type: "api_token", id: "tok", scope: "account" },
  format: Export.format,
  risk: null,
  risk_profile_revision: null,
  run: Schema.encodeSync(Export.Head.fields.run)(run),
  schema_version: {
    id: run.agent_schema_version_id, account_id: run.account_id, agent_id: run.agent_id, sequence: 1, external_identifier: null,
    span_type_schemas: {}, definition_checks: {}, fingerprint: "s", inserted_at: time, updated_at: time
  }
})

const spanOf = (sequence: number, payload: Span.Span["payload"]): Span.Span =>
  Span.Span.make({
    id: idOf(Ids.SpanId, sequence),
    account_id: run.account_id,
    agent_id: run.agent_id,
    agent_instance_id: run.id,
    parent_span_id: null,
    schema_name: "t",
    schema_title: "t",
    status: "complete",
    payload,
    result_payload: null,
    summary: null,
    sensitive_encoding: null,
    started_at: at(sequence),
    finished_at: at(sequence + 1),
    conformance: { payload: "mismatch", result: "not_applicable", errors: [{ target: "payload", instance_path: "", keyword: "type", message: "m" }] },
    risk_points: 150,
    sequence,
    inserted_at: at(sequence),
    updated_at: at(sequence)
  })

/** A document written in pages of the given sizes (the rest in a last page). */
const written = (entries: ReadonlyArray<Export.Entry>, pageSizes: ReadonlyArray<number>): { text: string; sha256: string } => {
  const { opened, text } = ExportDocument.open(head)
  let out = text
  let start = 0
  for (const size of pageSizes) {
    out += opened.spans(entries.slice(start, start + size))
    start += size
  }
  out += opened.spans(entries.slice(start))
  const closed = opened.close()
  return { text: out + closed.text, sha256: closed.sha256 }
}

const entriesOf = (payloads: ReadonlyArray<Span.Span["payload"]>): ReadonlyArray<Export.Entry> =>
  payloads.map((payload, index) => ({ depth: index % 3, span: spanOf(index + 1, payload) }))

describe("ExportDocument", () => {
  it.prop("written a page at a time, the document is the canonical form of its contents and their hash, whatever the pages", {
    payloads: fc.array(jsonObject, { maxLength: 12 }),
    pages: fc.array(fc.nat({ max: 5 }), { maxLength: 6 })
  }, ({ pages, payloads }) => {
    const entries = entriesOf(payloads)
    const document = written(entries, pages)
    const contents = Schema.encodeSync(Export.Contents)({ ...head, spans: entries })
    const canonical = referenceJcs(contents)
    expect(document.text).toBe(`{"export":${canonical},"sha256":"${sha256(canonical)}"}`)
    expect(document.sha256).toBe(sha256(canonical))
    expect(document.text).toBe(written(entries, []).text)
    const verified = ExportDocument.verify(document.text)
    expect(Either.map(verified, (v) => v.sha256)).toEqual(Either.right(sha256(canonical)))
    const decoded = Either.getOrThrow(ExportDocument.decodeContents(Either.getOrThrow(verified).contents))
    expect(Schema.encodeSync(Export.Contents)(decoded)).toEqual(contents)
  }, { fastCheck: { numRuns: runs(60) } })

  it("verification refuses a changed value, a changed hash, other keys, whitespace and a document cut short", () => {
    const { text } = written(entriesOf([{ amount: 10, note: "ok" }]), [])
    expect(Either.isRight(ExportDocument.verify(text))).toBe(true)
    const refusals = [
      text.replace("\"amount\":10", "\"amount\":11"),
      text.replace(/"sha256":"[0-9a-f]/, "\"sha256\":\"x"),
      text.replace("{\"export\":", "{\"extra\":1,\"export\":"),
      text.replace("\"amount\":10", "\"amount\": 10"),
      text.slice(0, -1),
      text.slice(0, text.indexOf(",\"sha256\""))
    ]
    for (const changed of refusals) expect(Either.isLeft(ExportDocument.verify(changed)), changed.slice(-80)).toBe(true)
  })

  it("the canonical form holds for payloads whose keys look like array indices and numbers in exponent form", () => {
    const { text } = written(entriesOf([{ "10": 1, "2": [1e21, 1e-7, -0, 0.1], "a": { "1": null } }]), [])
    expect(Either.isRight(ExportDocument.verify(text))).toBe(true)
  })

  it("a document is written once: spans after its close are a defect", () => {
    const { opened } = ExportDocument.open(head)
    opened.close()
    expect(() => opened.spans([])).toThrow()
    expect(() => opened.close()).toThrow()
  })

  it("NDJSON lines are hashed by whole lines: a line cut short is left out", () => {
    const lines = ExportDocument.lines()
    lines.add("{\"a\":1}", false)
    lines.add("\n", true)
    lines.add("{\"b\":", false)
    lines.add("2}\n", true)
    lines.add("{\"c\"", false)
    expect(lines.close()).toEqual({ lines: 2, sha256: sha256("{\"a\":1}\n{\"b\":2}\n") })
    expect(ExportDocument.lines().close()).toEqual({ lines: 0, sha256: sha256("") })
  })
})

describe("Export", () => {
  const deployment = Deployment.create({
    id: idOf(Ids.DeploymentId, 5),
    account_id: run.account_id,
    agent_id: run.agent_id,
    environment_id: run.environment_id
  }, at(0))
  const v1 = idOf(Ids.AgentVersionId, 1)
  const v2 = idOf(Ids.AgentVersionId, 2)
  const other = idOf(Ids.InstanceId, 9)
  const move = (from: Ids.AgentVersionId | null, to: Ids.AgentVersionId | null, ms: number, by: Ids.InstanceId | null = null) =>
    new Deployment.DeploymentHistoryEntry({
      account_id: run.account_id,
      agent_deployment_id: deployment.id,
      from_version_id: from,
      to_version_id: to,
      cause: by === null ? "api" : "run",
      changed_at: at(ms),
      actor: null,
      agent_instance_id: by
    })
  const history = [move(null, v1, 10), move(v1, v2, 20, run.id), move(v2, v1, 20, other), move(v1, null, 30)]

  it("the deployment shows the move the run made, else the pointer's last move at or before the registration", () => {
    const shown = (ms: number, id: Ids.InstanceId = other) => Export.deploymentAtRun(deployment, history, { id, inserted_at: at(ms) })
    expect(shown(5, idOf(Ids.InstanceId, 8))).toEqual({ record: deployment, version_at_registration: null, moved_by: null })
    expect(shown(10, idOf(Ids.InstanceId, 8)).version_at_registration).toBe(v1)
    expect(shown(19, idOf(Ids.InstanceId, 8)).version_at_registration).toBe(v1)
    // Two runs moved the pointer in one millisecond: each is shown its own move.
    expect(shown(20, run.id).moved_by).toBe(history[1])
    expect(shown(20, other).moved_by).toBe(history[2])
    expect(shown(20, idOf(Ids.InstanceId, 8)).moved_by).toBe(history[2])
    expect(shown(35, idOf(Ids.InstanceId, 8))).toEqual({ record: deployment, version_at_registration: null, moved_by: history[3] })
  })

  it("a range may be open at either end or empty; an inverted one is refused", () => {
    const t = (ms: number) => DateTime.unsafeMake(baseTime + ms)
    expect(Either.isRight(Export.checkRange({}))).toBe(true)
    expect(Either.isRight(Export.checkRange({ started_after: t(1), started_before: t(1) }))).toBe(true)
    expect(Either.isLeft(Export.checkRange({ started_after: t(2), started_before: t(1) }))).toBe(true)
    expect(Export.rangeFilter(run.agent_id, { started_after: t(1) })).toEqual({ agent_id: run.agent_id, started_after: baseTime + 1, started_before: undefined })
  })
})
