/**
 * A span the store writes is read back as the same value, whatever it holds. Spans go in through
 * the store's own INSERT (`spans.record` without runs: values repeated down a column sent once) and
 * come back through its reads (`get`, `ofInstance`, `list`), decoded by `Spans.reader` from the
 * compact shape `Spans.select` selects: commas, quotes and other characters in the free-text columns,
 * times from 4000 BC to 50,000 AD, shared and distinct timestamps, conformance errors, negative points. On
 * PGlite, with foreign keys off (`session_replication_role = replica`) so that arbitrary spans
 * need no runs; the unique constraints still hold.
 */
import { Conformance, Ids, LedgerStore, type Span, Status } from "@agentledger/domain"
import { PgliteClient, PgStore } from "@agentledger/store-postgres"
import { runs } from "@agentledger/testkit/core"
import { describe, expect, it, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { DateTime, Effect, FastCheck as fc, Layer, Option } from "effect"
import { reader as spanReader } from "../src/tables/Spans.js"

const account = Ids.AccountId.make("acct_span_rows", true)
const agents = [Ids.AgentId.make("agent_a", true), Ids.AgentId.make("agent_b", true)] as const

/** PostgreSQL text holds any character but NUL. */
const text = fc.string({ unit: "grapheme", maxLength: 12 }).map((value) => value.replaceAll("\u0000", ""))
const freeText = fc.oneof(text, fc.constantFrom("a,b", "\"quoted\"", ",", "", "llm, then tool"))

/**
 * A few instants that a batch's spans share or not: mostly near now, some anywhere from 4000 BC
 * to 50,000 AD (reads are exact to the millisecond up to about 70,000 AD: see docs/decisions.md).
 */
const instants = fc.array(
  fc.oneof(
    fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2200, 0, 1) }),
    fc.integer({ min: Date.UTC(-4000, 0, 1), max: Date.UTC(50_000, 0, 1) })
  ),
  { minLength: 1, maxLength: 3 }
)

const outcome: fc.Arbitrary<Conformance.SpanConformance> = fc.record({
  payload: fc.constantFrom(...Conformance.ConformanceStatus.literals),
  result: fc.constantFrom(...Conformance.ConformanceStatus.literals),
  errors: fc.array(
    fc.record({
      target: fc.constantFrom("payload" as const, "result" as const),
      instance_path: fc.constantFrom("", "/inputs/0", "/a,b"),
      keyword: fc.constantFrom("type", "required"),
      message: freeText
    }),
    { maxLength: 2 }
  )
})

const payload = fc.dictionary(text, fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null)), { maxKeys: 3 })

let written = 0

/** A batch of spans over two runs of its own, with unique ids and sequences. */
const batch = fc.tuple(instants, fc.array(fc.record({
  run: fc.constantFrom(0 as const, 1 as const),
  parent: fc.option(fc.nat({ max: 20 }), { nil: null }),
  schema_name: freeText.filter((name) => name.length > 0),
  schema_title: freeText,
  status: fc.constantFrom(...Status.statuses),
  payload,
  result_payload: fc.option(payload, { nil: null }),
  sensitive_encoding: fc.constantFrom(null, true, false),
  summary: fc.option(freeText, { nil: null }),
  started: fc.nat(),
  finished: fc.option(fc.nat(), { nil: null }),
  inserted: fc.nat(),
  updated: fc.nat(),
  conformance: outcome,
  risk_points: fc.integer({ min: -1_000_000, max: 1_000_000_000 })
}), { minLength: 1, maxLength: 12 })).map(([times, drafts]) => {
  const at = (i: number) => DateTime.unsafeMake(times[i % times.length] ?? 0)
  const first = written
  written += drafts.length
  const idOf = (i: number) => Ids.SpanId.make(`span_${first + i}`, true)
  const instances = [Ids.InstanceId.make(`run_${first}_a`, true), Ids.InstanceId.make(`run_${first}_b`, true)] as const
  const spans = drafts.map((draft, i): Span.Span => ({
    id: idOf(i),
    account_id: account,
    agent_id: agents[draft.run],
    agent_instance_id: instances[draft.run],
    parent_span_id: draft.parent === null ? null : idOf(draft.parent % drafts.length),
    schema_name: draft.schema_name,
    schema_title: draft.schema_title,
    status: draft.status,
    payload: draft.payload,
    result_payload: draft.result_payload,
    sensitive_encoding: draft.sensitive_encoding,
    summary: draft.summary,
    started_at: at(draft.started),
    finished_at: draft.finished === null ? null : at(draft.finished),
    conformance: draft.conformance,
    risk_points: draft.risk_points,
    sequence: first + i + 1,
    inserted_at: at(draft.inserted),
    updated_at: at(draft.updated)
  }))
  return { spans, instances }
})

const withoutForeignKeys = Layer.effectDiscard(Effect.flatMap(SqlClient.SqlClient, (sql) => sql`SET session_replication_role = replica`))

layer(Layer.mergeAll(PgStore.layer, withoutForeignKeys).pipe(Layer.provideMerge(PgliteClient.layer())))(
  "span rows on PGlite",
  (it) => {
    describe("written by the store, read back", () => {
      it.effect.prop("every read answers the spans as written", { written: batch }, ({ written: { instances, spans } }) =>
        Effect.gen(function*() {
          const store = yield* LedgerStore
          yield* store.transact(account, (tx) => tx.spans.record(spans, []))
          const read = yield* store.read(account, (tx) =>
            Effect.all({
              one: Effect.forEach(spans, (span) => tx.spans.get(span.id)),
              runs: Effect.forEach(instances, (instance) => tx.spans.ofInstance(instance)),
              listed: tx.spans.list({ agent_instance_id: instances[0] }, {
                offset: 0,
                limit: 1000,
                sort: { field: "started_at", direction: "asc" }
              })
            }))
          expect(read.one.map(Option.getOrNull)).toEqual(spans)
          for (const [i, instance] of instances.entries()) {
            expect(read.runs[i]).toEqual(spans.filter((span) => span.agent_instance_id === instance))
          }
          const ofFirst = spans.filter((span) => span.agent_instance_id === instances[0])
          expect(new Map(read.listed.items.map((span) => [span.id, span]))).toEqual(new Map(ofFirst.map((span) => [span.id, span])))
        }), { timeout: 300_000, fastCheck: { numRuns: runs(40) } })
    })
  }
)

describe("the span reader", () => {
  const row = {
    span_own: "span_1,,7,",
    span_run: "acct,agent,run",
    span_state: "complete,5,1000,2000,1000,2000",
    schema_name: "llm",
    schema_title: "LLM call",
    summary: null,
    payload: {},
    result_payload: null,
    conformance_text: JSON.stringify({ payload: "conforms", result: "conforms", errors: [] })
  }

  it("refuses a row that does not have the shape it reads, naming the column", () => {
    const read = spanReader()
    expect(read(row).sequence).toBe(7)
    expect(read(row).sensitive_encoding).toBe(null)
    expect(spanReader()({ ...row, span_own: "span_1,,7,t" }).sensitive_encoding).toBe(true)
    expect(spanReader()({ ...row, span_own: "span_1,,7,f" }).sensitive_encoding).toBe(false)
    expect(() => spanReader()({ ...row, span_own: "span_1,,7,yes" })).toThrow(/sensitive_encoding/)
    expect(() => spanReader()({ ...row, span_state: "complete,5,1000,2000,1000" })).toThrow(/span_state/)
    expect(() => spanReader()({ ...row, span_state: "done,5,1000,2000,1000,2000" })).toThrow(/status/)
    expect(() => spanReader()({ ...row, span_own: "span_1,,seven," })).toThrow(/sequence/)
    expect(() => spanReader()({ ...row, span_run: "acct,,run" })).toThrow(/agent_id/)
    expect(() => spanReader()({ ...row, conformance_text: "{\"payload\":\"fine\"}" })).toThrow(/conformance/)
    expect(() => spanReader()({ ...row, payload: [] })).toThrow(/payload/)
  })
})
