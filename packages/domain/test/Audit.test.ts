/**
 * The audit chain (docs/domain.md "Audit", docs/security.md "Audit trail"): each event hashes its
 * canonical form, which holds its predecessor's hash; verification names the first event that
 * does not match, whatever was edited, removed or reordered, read whole or in batches.
 */
import { describe, expect, it } from "@effect/vitest"
import { createHash } from "node:crypto"
import { DateTime, FastCheck as fc } from "effect"
import { Audit, Ids } from "@agentledger/domain"
import { jsonValue, runs } from "./arbitraries.js"

const account = Ids.AccountId.make("01h0000000000000000000000000000a", true)
const eventId = (n: number) => Ids.AuditEventId.make(`01h00000000000000000000000${String(n).padStart(6, "0")}`, true)

const entry: fc.Arbitrary<Audit.AuditEntry> = fc.record({
  actor: fc.oneof(
    fc.constant(Audit.operator),
    fc.constantFrom("retention", "export").map(Audit.system),
    fc.record({ token_id: fc.string({ minLength: 1, maxLength: 8 }), token_scope: fc.constantFrom("account" as const, "agent_deployment" as const) })
      .map(Audit.ofToken)
  ),
  action: fc.constantFrom("agent.create", "agent.update", "api_token.revoke", "agent_deployment.update"),
  entity: fc.constantFrom("agent", "api_token", "agent_deployment"),
  entity_id: fc.option(fc.string({ maxLength: 8 }), { nil: null }),
  before: jsonValue,
  after: jsonValue
})

/** A well-formed chain of these entries. */
const chainOf = (entries: ReadonlyArray<Audit.AuditEntry>): Array<Audit.AuditEvent> => {
  const events: Array<Audit.AuditEvent> = []
  entries.forEach((fields, index) => {
    const last = events[events.length - 1]
    events.push(Audit.link(last === undefined ? null : { sequence: last.sequence, hash: last.hash }, {
      ...fields,
      id: eventId(index + 1),
      account_id: account,
      occurred_at: DateTime.unsafeMake(1_767_225_600_000 + index * 1000)
    }))
  })
  return events
}

const chain = fc.array(entry, { minLength: 1, maxLength: 12 }).map(chainOf)

/** A chain and one position in it (0-based). */
const chainAndIndex = chain.chain((events) => fc.tuple(fc.constant(events), fc.nat({ max: events.length - 1 })))

const headOf = (events: ReadonlyArray<Audit.AuditEvent>): Audit.ChainHead | null => {
  const last = events[events.length - 1]
  return last === undefined ? null : { sequence: last.sequence, hash: last.hash }
}

/** The same event with one of its fields changed (its hash left as it was). */
const edits: ReadonlyArray<(event: Audit.AuditEvent) => Audit.AuditEvent> = [
  (event) => new Audit.AuditEvent({ ...event, action: `${event.action}!` }, true),
  (event) => new Audit.AuditEvent({ ...event, entity_id: `${event.entity_id ?? ""}x` }, true),
  (event) => new Audit.AuditEvent({ ...event, actor: { ...event.actor, id: `${event.actor.id ?? ""}y` } }, true),
  (event) => new Audit.AuditEvent({ ...event, occurred_at: DateTime.add(event.occurred_at, { millis: 1 }) }, true),
  (event) => new Audit.AuditEvent({ ...event, before: { edited: event.before } }, true),
  (event) => new Audit.AuditEvent({ ...event, after: [event.after] }, true)
]

describe("Audit chain", () => {
  it("the first event links to 64 zeros; each next one to its predecessor's hash, with the next sequence", () => {
    const [first, second] = chainOf([
      { actor: Audit.operator, action: "account.create", entity: "account", entity_id: "a", before: null, after: { name: "x" } },
      { actor: Audit.system("retention"), action: "retention.sweep", entity: "retention", entity_id: null, before: null, after: { runs: 0 } }
    ])
    expect(first?.sequence).toBe(1)
    expect(first?.previous_hash).toBe("0".repeat(64))
    expect(second?.sequence).toBe(2)
    expect(second?.previous_hash).toBe(first?.hash)
  })

  it("the hash is SHA-256 of the RFC 8785 text of every field but the hash, as documented", () => {
    const [event] = chainOf([
      { actor: Audit.ofToken({ token_id: "t1", token_scope: "account" }), action: "agent.update", entity: "agent", entity_id: "ag", before: { b: 1, a: [true, null] }, after: "ü" }
    ])
    // Written out by hand: keys sorted by UTF-16 code units, no whitespace.
    const text = "{\"account_id\":\"01h0000000000000000000000000000a\",\"action\":\"agent.update\"," +
      "\"actor\":{\"id\":\"t1\",\"scope\":\"account\",\"type\":\"api_token\"},\"after\":\"ü\",\"before\":{\"a\":[true,null],\"b\":1}," +
      "\"entity\":\"agent\",\"entity_id\":\"ag\",\"id\":\"01h00000000000000000000000000001\",\"occurred_at\":\"2026-01-01T00:00:00.000Z\"," +
      "\"previous_hash\":\"" + "0".repeat(64) + "\",\"sequence\":1}"
    expect(event?.hash).toBe(createHash("sha256").update(text, "utf8").digest("hex"))
  })

  it("the entity of an action is its text before the last dot", () => {
    expect(Audit.entityOf("agent_instance.register")).toBe("agent_instance")
    expect(Audit.entityOf("retention.sweep")).toBe("retention")
    expect(Audit.entityOf("plain")).toBe("plain")
  })

  it("an empty log verifies against no head, and not against one", () => {
    expect(Audit.verify([], null)).toEqual({ valid: true, events: 0, first_mismatch: null, head: null })
    expect(Audit.verify([], { sequence: 1, hash: "a".repeat(64) }).first_mismatch).toEqual({ sequence: 1, id: null, reason: "head_mismatch" })
  })

  it.prop("a chain as linked verifies whole, and in batches of any size to the same answer", [chain, fc.integer({ min: 1, max: 5 })], ([events, size]) => {
    const whole = Audit.verify(events)
    expect(whole).toEqual({ valid: true, events: events.length, first_mismatch: null, head: headOf(events) })
    let state = Audit.unverified
    for (let start = 0; start < events.length; start += size) state = Audit.checkAll(state, events.slice(start, start + size))
    expect(Audit.conclude(state, headOf(events))).toEqual(whole)
  }, { fastCheck: { numRuns: runs(50) } })

  it.prop("an edited event is named at its sequence; the chain covers the events before it", [chainAndIndex, fc.nat({ max: edits.length - 1 })], ([[events, index], which]) => {
    const edit = edits[which]
    const target = events[index]
    if (edit === undefined || target === undefined) return
    const tampered = events.map((event, i) => (i === index ? edit(event) : event))
    const result = Audit.verify(tampered, headOf(events))
    expect(result.valid).toBe(false)
    expect(result.first_mismatch).toEqual({ sequence: index + 1, id: target.id, reason: "altered" })
    expect(result.events).toBe(index)
  }, { fastCheck: { numRuns: runs(60) } })

  it.prop("an event edited and re-hashed breaks the link of the next one (or the head, when it is the last)", [chainAndIndex], ([[events, index]]) => {
    const target = events[index]
    if (target === undefined) return
    const unhashed = { ...target, after: { forged: true } }
    const forged = new Audit.AuditEvent({ ...unhashed, hash: Audit.hashOf(unhashed) }, true)
    const result = Audit.verify(events.map((event, i) => (i === index ? forged : event)), headOf(events))
    const next = events[index + 1]
    expect(result.first_mismatch).toEqual(
      next === undefined
        ? { sequence: events.length, id: null, reason: "head_mismatch" }
        : { sequence: index + 2, id: next.id, reason: "broken_link" }
    )
  }, { fastCheck: { numRuns: runs(60) } })

  it.prop("a removed event is named at its sequence; a removed last event, at the recorded head", [chainAndIndex], ([[events, index]]) => {
    const result = Audit.verify(events.filter((_, i) => i !== index), headOf(events))
    const next = events[index + 1]
    expect(result.valid).toBe(false)
    expect(result.first_mismatch).toEqual(
      next === undefined
        ? { sequence: events.length, id: null, reason: "head_mismatch" }
        : { sequence: index + 1, id: next.id, reason: "out_of_sequence" }
    )
  }, { fastCheck: { numRuns: runs(60) } })

  it.prop("two events swapped are named at the first of the two positions", [chain.filter((events) => events.length >= 2).chain((events) =>
    fc.tuple(fc.constant(events), fc.nat({ max: events.length - 2 })))], ([[events, index]]) => {
    const swapped = [...events]
    const [a, b] = [swapped[index], swapped[index + 1]]
    if (a === undefined || b === undefined) return
    swapped[index] = b
    swapped[index + 1] = a
    expect(Audit.verify(swapped, headOf(events)).first_mismatch).toEqual({ sequence: index + 1, id: b.id, reason: "out_of_sequence" })
  }, { fastCheck: { numRuns: runs(40) } })

  it("a filter keeps the events whose every given field matches", () => {
    const [event] = chainOf([
      { actor: Audit.ofToken({ token_id: "t1", token_scope: "account" }), action: "agent.update", entity: "agent", entity_id: "ag", before: null, after: null }
    ])
    if (event === undefined) return
    const at = DateTime.toEpochMillis(event.occurred_at)
    expect(Audit.matches({}, event)).toBe(true)
    expect(Audit.matches({ entity: "agent", entity_id: "ag", actor_type: "api_token", actor_id: "t1", action: "agent.update" }, event)).toBe(true)
    expect(Audit.matches({ occurred_after: at, occurred_before: at + 1 }, event)).toBe(true)
    expect(Audit.matches({ occurred_before: at }, event)).toBe(false)
    expect(Audit.matches({ actor_type: "operator" }, event)).toBe(false)
    expect(Audit.matches({ entity_id: "other" }, event)).toBe(false)
  })
})
