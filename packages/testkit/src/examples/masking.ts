/**
 * Masking at ingest: an account's policy (off until set, replaced whole, account tokens only)
 * masks the payloads and results of the spans recorded after it — the categories a span type
 * declares `included`, the named fields anywhere — and the client's `sensitive_encoding` is kept
 * on each span and masks the built-in secret names. Conformance and risk are as if unmasked, and
 * no read answers what was masked.
 */
import { type Instance, InvalidInput, type Json, type LedgerSession, Masking, type Span } from "@agentledger/domain"
import { expect } from "@effect/vitest"
import { Effect } from "effect"
import { everything, refused, tenant, type Tenant } from "../harness.js"
import { agentWithRun, type ExampleTest, secretOf, span } from "./helpers.js"

/** Texts that must never come back once masked. */
const secrets = ["hunter2", "ada@example.com", "4111-1111"] as const

/** Every answer of the run's reads, as one text: what a reader could see of its spans. */
const everythingRead = (session: LedgerSession, spans: ReadonlyArray<Span.Span>) =>
  Effect.gen(function*() {
    const run = spans[0]?.agent_instance_id
    if (run === undefined) return expect.fail("a run with spans")
    const reads = [
      yield* Effect.forEach(spans, (s) => session.getSpan(s.id)),
      yield* session.getTimeline(run),
      yield* session.listSpans({ ...everything, agent_instance_id: run }),
      yield* session.listSpanOutlines(run, everything)
    ]
    return JSON.stringify(reads)
  })

const expectNoSecret = (text: string) => {
  for (const secret of secrets) expect(text).not.toContain(secret)
}

/** The crm lookup of the support schema: its result declares personal identifiers. */
const lookup = { customer_id: "c-1", password: "hunter2" }
const lookupResult = { email: "ada@example.com" }

const maskedLookup = (t: Tenant) =>
  Effect.gen(function*() {
    yield* t.session.updateMaskingPolicy({ categories: ["personal_identifiers"], keys: ["password"] })
    const { run } = yield* agentWithRun(t, { profile: true })
    const recorded = yield* t.session.recordSpan(span(run, "crm:lookup", { status: "complete", payload: lookup, result_payload: lookupResult }))
    return { run, recorded }
  })

/**
 * The payload of an LLM span recorded with `api_key: key`, recorded again every 50 ms until
 * `done` holds of it (at most 2 s: a policy reaches another process within its cache's lifetime).
 */
const recordedUntil = (session: LedgerSession, run: Instance.Instance, key: string, done: (payload: Json.JsonObject) => boolean) =>
  Effect.gen(function*() {
    const started = Date.now()
    for (;;) {
      const recorded = yield* session.recordSpan(span(run, "llm", { payload: { prompt: "hi", api_key: key } }))
      if (done(recorded.payload) || Date.now() - started > 2_000) return recorded.payload
      yield* Effect.sleep("50 millis")
    }
  })

export const maskingExamples = (test: ExampleTest): void => {
  test("a new account masks nothing; an account token replaces the policy; a deployment token is refused", Effect.gen(function*() {
    const t = yield* tenant()
    const initial = yield* t.session.getMaskingPolicy()
    expect(initial).toEqual({ account_id: t.account.id, categories: [], keys: [], updated_at: null })
    const updated = yield* t.session.updateMaskingPolicy({ categories: ["minors_data", "personal_identifiers"], keys: ["SSN", "ssn", "api-key"] })
    expect(updated).toMatchObject({ account_id: t.account.id, categories: ["personal_identifiers", "minors_data"], keys: ["SSN", "api-key"] })
    expect(updated.updated_at).not.toBeNull()
    expect(yield* t.session.getMaskingPolicy()).toEqual(updated)
    // A PUT is the whole policy: what it leaves out is empty.
    expect(yield* t.session.updateMaskingPolicy({ keys: ["token"], categories: [] })).toMatchObject({ categories: [], keys: ["token"] })

    const bad = yield* refused(t.session.updateMaskingPolicy({ categories: ["salary"], keys: ["", "x".repeat(101)] }), "InvalidInput")
    expect(bad instanceof InvalidInput && Object.keys(bad.errors).sort()).toEqual(["categories.0", "keys.0", "keys.1"])
    const flood = yield* refused(t.session.updateMaskingPolicy({ categories: [], keys: Array.from({ length: 101 }, (_, i) => `key${i}`) }), "InvalidInput")
    expect(flood instanceof InvalidInput && Object.keys(flood.errors)).toEqual(["keys"])
    expect((yield* t.session.getMaskingPolicy()).keys).toEqual(["token"])

    const { agent } = yield* agentWithRun(t)
    const deployment = (yield* t.session.listDeployments({ ...everything, agent_id: agent.id })).items[0]
    if (deployment === undefined) return expect.fail("the run created a deployment")
    const scoped = yield* t.ledger.authenticate(secretOf(yield* t.session.createToken({ token_scope: "agent_deployment", agent_deployment_id: deployment.id })))
    yield* refused(scoped.getMaskingPolicy(), "NotPermitted")
    yield* refused(scoped.updateMaskingPolicy({ categories: [], keys: [] }), "NotPermitted")
  }))

  test("spans are stored masked by the categories their type includes and by named keys; no read answers the masked text", Effect.gen(function*() {
    const t = yield* tenant()
    const { recorded, run } = yield* maskedLookup(t)
    expect(recorded.payload).toEqual({ customer_id: "c-1", password: Masking.keyMarker })
    expect(recorded.result_payload).toEqual({ email: "[masked:personal_identifiers]" })
    // Decided on what was sent: the lookup conforms (its result's email is a string) and scores as declared.
    expect(recorded.conformance).toEqual({ payload: "conforms", result: "conforms", errors: [] })
    expect(recorded.risk_points).toBe(1200)
    expect(recorded.sensitive_encoding).toBe(null)
    const riskAfterLookup = (yield* t.session.getInstance(run.id)).risk
    // A type that declares no masked category keeps its data, but not its named keys.
    const charge = yield* t.session.recordSpan(span(run, "payments:charge", { payload: { amount: 12, card: { Password: "4111-1111" } } }))
    expect(charge.payload).toEqual({ amount: 12, card: { Password: Masking.keyMarker } })
    expectNoSecret(yield* everythingRead(t.session, [recorded, charge]))

    // The same spans in an account without a policy: the same decisions, the data kept.
    const other = yield* tenant("Other")
    const { run: plainRun } = yield* agentWithRun(other, { profile: true })
    const plain = yield* other.session.recordSpan(span(plainRun, "crm:lookup", { status: "complete", payload: lookup, result_payload: lookupResult }))
    expect(plain.payload).toEqual(lookup)
    expect([plain.conformance, plain.risk_points]).toEqual([recorded.conformance, recorded.risk_points])
    expect((yield* other.session.getInstance(plainRun.id)).risk).toEqual(riskAfterLookup)
  }))

  test("a policy change masks the spans recorded after it; turned off, it masks no more (spans stored stay)", Effect.gen(function*() {
    const t = yield* tenant()
    const { run } = yield* agentWithRun(t)
    const before = yield* t.session.recordSpan(span(run, "llm", { payload: { prompt: "hi", api_key: "k-1" } }))
    expect(before.payload).toEqual({ prompt: "hi", api_key: "k-1" })
    yield* t.session.updateMaskingPolicy({ categories: [], keys: ["apiKey"] })
    // In the process that made the change, the next span; in another on the same store, within
    // its cache's lifetime (1 s): a ledger whose calls alternate between two processes waits.
    expect(yield* recordedUntil(t.session, run, "k-2", (payload) => payload["api_key"] === Masking.keyMarker)).toEqual({
      prompt: "hi",
      api_key: Masking.keyMarker
    })
    yield* t.session.updateMaskingPolicy({ categories: [], keys: [] })
    expect(yield* recordedUntil(t.session, run, "k-3", (payload) => payload["api_key"] === "k-3")).toEqual({ prompt: "hi", api_key: "k-3" })
    expect((yield* t.session.getSpan(before.id)).payload).toEqual({ prompt: "hi", api_key: "k-1" })
  }))

  test("sensitive_encoding is kept and answered (null when not said), masks the built-in secret names, and stays true once said", Effect.gen(function*() {
    const t = yield* tenant()
    const { run } = yield* agentWithRun(t)
    const [unsaid, saidFalse, saidTrue] = yield* t.session.recordSpans([
      span(run, "llm", { payload: { prompt: "p", password: "hunter2" } }),
      span(run, "llm", { payload: { prompt: "p", password: "hunter2" }, sensitive_encoding: false }),
      span(run, "llm", { payload: { prompt: "p", password: "hunter2" }, sensitive_encoding: true })
    ])
    expect([unsaid?.sensitive_encoding, saidFalse?.sensitive_encoding, saidTrue?.sensitive_encoding]).toEqual([null, false, true])
    expect(saidTrue?.payload).toEqual({ prompt: "p", password: Masking.keyMarker })
    expect(unsaid?.payload).toEqual({ prompt: "p", password: "hunter2" })
    if (unsaid === undefined || saidTrue === undefined) return expect.fail("the batch records three spans")

    // A finish that says true masks its result and the payload's secret names; one that says nothing keeps the span's word.
    const finished = yield* t.session.finishSpan(unsaid.id, { status: "complete", result_payload: { token: "t-1", text: "ok" }, sensitive_encoding: true })
    expect(finished).toMatchObject({ sensitive_encoding: true, payload: { prompt: "p", password: Masking.keyMarker }, result_payload: { token: Masking.keyMarker, text: "ok" } })
    const kept = yield* t.session.finishSpan(saidTrue.id, { status: "complete", result_payload: { secret: "s" } })
    expect(kept).toMatchObject({ sensitive_encoding: true, result_payload: { secret: Masking.keyMarker } })
    expect((yield* t.session.getSpan(unsaid.id)).sensitive_encoding).toBe(true)
    // (The span that said false keeps its password: it is in the run's reads, so only these two are read.)
    expectNoSecret(JSON.stringify([yield* t.session.getSpan(unsaid.id), yield* t.session.getSpan(saidTrue.id)]))
    const outlines = (yield* t.session.listSpanOutlines(run.id, everything)).items
    expect(outlines.map((o) => o.sensitive_encoding)).toEqual([true, false, true])
  }))

  test("a keyed span create or finish records and replays the masked span; its record is of the request as stored", Effect.gen(function*() {
    const t = yield* tenant()
    const { run } = yield* agentWithRun(t)
    yield* t.session.updateMaskingPolicy({ categories: ["personal_identifiers"], keys: ["password"] })
    const input = span(run, "crm:lookup", { status: "active", payload: { customer_id: "c-9", password: "hunter2" } })
    const first = yield* t.session.recordSpan(input, { idempotencyKey: "masked-create-1" })
    expect(first.payload).toEqual({ customer_id: "c-9", password: Masking.keyMarker })
    expect(yield* t.session.recordSpan(input, { idempotencyKey: "masked-create-1" })).toEqual(first)
    // The key's record holds the request as stored, masked: a repeat that differs only in masked text is the same request.
    const otherSecret = { ...input, payload: { customer_id: "c-9", password: "another secret" } }
    expect(yield* t.session.recordSpan(otherSecret, { idempotencyKey: "masked-create-1" })).toEqual(first)
    const batch = yield* t.session.recordSpans([input], { idempotencyKey: "masked-batch-1" })
    expect(batch[0]?.payload).toEqual({ customer_id: "c-9", password: Masking.keyMarker })
    expect(yield* t.session.recordSpans([input], { idempotencyKey: "masked-batch-1" })).toEqual(batch)
    const finish = { status: "complete" as const, result_payload: { email: "ada@example.com" } }
    const finished = yield* t.session.finishSpan(first.id, finish, { idempotencyKey: "masked-finish-1" })
    expect(finished.result_payload).toEqual({ email: "[masked:personal_identifiers]" })
    expect(yield* t.session.finishSpan(first.id, finish, { idempotencyKey: "masked-finish-1" })).toEqual(finished)
    // Another request under a used key is still a conflict.
    yield* refused(t.session.recordSpan({ ...input, schema_name: "llm" }, { idempotencyKey: "masked-create-1" }), "Conflict")
  }))
}
