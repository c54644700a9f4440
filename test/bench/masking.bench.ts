/**
 * Masking at ingest (`npm run bench -- masking`): what masking costs a span create.
 *
 * - In process: a span create through the Ledger on store-memory (`Ledger.recordSpan`, one call
 *   per span, synchronous), for an account with the policy off and one whose policy masks two of
 *   the span's keys; `Span.recordSpan` (the span decision alone) with the policy off, on but
 *   asking for nothing in the span, on with named keys, and on with a category the type includes
 *   (its whole result masked); and the work the off path adds to every span (a cache hit and two
 *   `Masking.mask` calls that return at once).
 * - HTTP: `POST /api/v1/agent_spans` on the in-memory store (where ingest's CPU is the whole cost,
 *   so a difference shows most), closed loop of 4 connections from a child process, an account
 *   with the policy off against one whose policy masks two of the span's keys, in alternating
 *   rounds (`AGENTLEDGER_BENCH_HTTP_ROUNDS`, `AGENTLEDGER_BENCH_HTTP_MS` as in http.bench).
 *
 * Targets: with the policy off, masking's added work is at most 1% of a span create through the
 * Ledger; with a policy that masks, HTTP span creates keep at least 90% of the throughput with it off.
 */
import { ActivitySchema, Conformance, Ids, Instance, Ledger, LedgerLive, type LedgerSession, Masking, MaskingCache, Span, Status } from "@agentledger/domain"
import { MemoryStore } from "@agentledger/store-memory"
import { Context, DateTime, Effect, Either, Layer, Schema, Scope } from "effect"
import { type Json } from "../support/json.js"
import { call, expectAnswer } from "../support/jsonClient.js"
import { operatorToken, startServer } from "../support/server.js"
import { type BenchResult, formatInt, formatNs, formatRatio, measure, printResults, printTable, ratio, type Verdict } from "./harness.js"
import { checked, llmPayload, llmResult, median, ms, percentile, pooled, rateOf, setUp, startLoad } from "./load.js"

// ---------------------------------------------------------------------------------------------
// Domain: one span decision with and without masking

const schema = Either.getOrThrow(ActivitySchema.normalize(Schema.decodeUnknownSync(ActivitySchema.ActivitySchemaInput)({
  external_identifier: "masking-bench",
  span_type_schemas: [
    { name: "llm", params_schema: { type: "object" }, result_schema: { type: "object" } },
    {
      name: "crm:lookup",
      params_schema: { type: "object", properties: { customer_id: { type: "string" } }, required: ["customer_id"] },
      result_schema: { type: "object" },
      data_risk: { action_profile: { read_data: "allowed" }, result_data_categories: { personal_identifiers: "included" } }
    }
  ]
})))
const context = Span.runContext(schema.span_type_schemas, Conformance.compileActivitySchema(schema), null)

const at = DateTime.unsafeMake(Date.UTC(2026, 0, 1))
const instance = Instance.Instance.make({
  id: Ids.InstanceId.make("01m8q0000000000000000000000000i1", true),
  account_id: Ids.AccountId.make("01m8q0000000000000000000000000a1", true),
  agent_id: Ids.AgentId.make("01m8q0000000000000000000000000g1", true),
  agent_version_id: Ids.AgentVersionId.make("01m8q0000000000000000000000000v1", true),
  agent_schema_version_id: Ids.SchemaVersionId.make("01m8q0000000000000000000000000s1", true),
  environment_id: Ids.EnvironmentId.make("01m8q0000000000000000000000000e1", true),
  agent_deployment_id: null,
  status: "active",
  purpose: "live",
  started_at: at,
  finished_at: null,
  termination_reason: null,
  span_counts: Status.noCounts,
  conformance_counts: { conforms: 0, flagged: 0 },
  risk_profile_revision_id: null,
  risk: null,
  redacted_at: null,
  quality_payloads: {},
  reported_by: null,
  inserted_at: at,
  updated_at: at
}, true)
const spanId = Ids.SpanId.make("01m8q0000000000000000000000000p1", true)

/** The HTTP benches' LLM span (≈ 480 bytes). */
const llm = (i: number): Span.SpanInput => ({ schema_name: "llm", status: "complete", payload: llmPayload(i), result_payload: llmResult(i) })
const llms = Array.from({ length: 8 }, (_, i) => llm(i))
const lookups = Array.from({ length: 8 }, (_, i): Span.SpanInput => ({
  schema_name: "crm:lookup",
  status: "complete",
  payload: { customer_id: `c-${i}` },
  result_payload: { customer: { email: `ada${i}@example.com`, name: "Ada", orders: [i, i + 1], vip: false } }
}))

const off = Masking.none
const idle = Masking.prepare({ categories: ["health_and_medical"], keys: ["password", "ssn"] })
const keys = Masking.prepare({ categories: [], keys: ["content", "text"] })
const categories = Masking.prepare({ categories: ["personal_identifiers"], keys: [] })

const records = (inputs: ReadonlyArray<Span.SpanInput>, masking: Masking.Masker) => (iterations: number): number => {
  let acc = 0
  for (let i = 0; i < iterations; i++) {
    const input = inputs[i & 7]
    if (input === undefined) continue
    const recorded = Span.recordSpan({ instance, input, parent: null, context, id: spanId, now: at, masking })
    if (Either.isRight(recorded)) acc += recorded.right.span.sequence + (recorded.right.span.payload === input.payload ? 1 : 0)
  }
  return acc
}

// What the off path adds to a span: the unit of work's cache hit, and the two parts' first check.
const cache = new MaskingCache.MaskingCache()
cache.set(instance.account_id, off, 0, cache.ticket())
const offPath = (iterations: number): number => {
  let acc = 0
  const declared = context.types.get("llm")?.data_risk
  for (let i = 0; i < iterations; i++) {
    const input = llms[i & 7]
    if (input === undefined) continue
    const masker = cache.get(instance.account_id, 1) ?? off
    const payload = Masking.mask(input.payload ?? {}, masker, declared?.params_data_categories, input.sensitive_encoding)
    const result = Masking.mask(input.result_payload ?? {}, masker, declared?.result_data_categories, input.sensitive_encoding)
    acc += (payload === input.payload ? 1 : 0) + (result === input.result_payload ? 1 : 0)
  }
  return acc
}

const byName = (results: ReadonlyArray<BenchResult>, name: string): BenchResult => {
  const result = results.find((r) => r.name === name)
  if (result === undefined) throw new Error(`no result named ${name}`)
  return result
}

/** Two accounts on one in-memory Ledger, each with a started run: one without a policy, one masking two of the LLM span's keys. */
const ledgerSessions = () => {
  const scope = Effect.runSync(Scope.make())
  const context = Effect.runSync(
    Layer.buildWithScope(LedgerLive.layer.pipe(Layer.provide(MemoryStore.layer), Layer.provide(Ids.IdEntropy.Live)), scope)
  )
  const ledger = Context.get(context, Ledger)
  const account = (name: string, keys: ReadonlyArray<string>) =>
    Effect.runSync(Effect.gen(function*() {
      const created = yield* ledger.createAccount({ name })
      const session = yield* ledger.authenticate(created.secret)
      if (keys.length > 0) yield* session.updateMaskingPolicy({ categories: [], keys })
      const agent = yield* session.createAgent({ name: "masking bench agent" })
      const environments = yield* session.listEnvironments({ offset: 0, page_size: 10 })
      const production = environments.items.find((e) => e.name === "production")
      if (production === undefined) return yield* Effect.dieMessage("no production environment")
      const run = yield* session.registerRun({ agent_id: agent.id, environment_id: production.id, update_current_version: true, purpose: "live" })
      return { session, run: run.id }
    }))
  return { plain: account("masking bench, off", []), masked: account("masking bench, on", ["content", "text"]) }
}

const creates = ({ run, session }: { readonly session: LedgerSession; readonly run: Ids.InstanceId }) => (iterations: number): number => {
  let acc = 0
  for (let i = 0; i < iterations; i++) {
    const input = llms[i & 7]
    if (input === undefined) continue
    acc += Effect.runSync(session.recordSpan({ ...input, agent_instance_id: run })).sequence
  }
  return acc
}

const domainPart = (): ReadonlyArray<Verdict> => {
  const { masked, plain } = ledgerSessions()
  console.log("\n### A span create through the Ledger in memory, and the span decision (Span.recordSpan), with the policy off and on\n")
  const results = measure([
    { name: "Ledger.recordSpan in memory, policy off", fn: creates(plain) },
    { name: "Ledger.recordSpan in memory, policy masks 2 of its keys", fn: creates(masked) },
    { name: "recordSpan, LLM span, policy off", fn: records(llms, off) },
    { name: "recordSpan, LLM span, policy on, nothing of it asked", fn: records(llms, idle) },
    { name: "recordSpan, LLM span, policy masks 2 of its keys", fn: records(llms, keys) },
    { name: "recordSpan, CRM lookup, policy off", fn: records(lookups, off) },
    { name: "recordSpan, CRM lookup, its result's category masked", fn: records(lookups, categories) },
    { name: "  sub-step: the off path's added work (cache hit + 2 × Masking.mask)", fn: offPath }
  ])
  printResults(results)
  const create = byName(results, "Ledger.recordSpan in memory, policy off")
  const maskedCreate = byName(results, "Ledger.recordSpan in memory, policy masks 2 of its keys")
  const decision = byName(results, "recordSpan, LLM span, policy off")
  const added = byName(results, "  sub-step: the off path's added work (cache hit + 2 × Masking.mask)")
  const share = added.nsPerOp / create.nsPerOp
  const keyed = byName(results, "recordSpan, LLM span, policy masks 2 of its keys")
  const category = ratio(byName(results, "recordSpan, CRM lookup, its result's category masked"), byName(results, "recordSpan, CRM lookup, policy off"))
  console.log(
    `\nthrough the Ledger, masking 2 keys: ${formatRatio(ratio(maskedCreate, create))} of policy off; the decision alone: ` +
      `${formatRatio(ratio(keyed, decision))} (keys), ${formatRatio(category)} (a category over a whole result)`
  )
  return [{
    module: "masking",
    target: "policy off: masking's added work ≤ 1% of a span create through the Ledger",
    measured: `${(share * 100).toFixed(2)}% (${formatNs(added.nsPerOp)} of ${formatNs(create.nsPerOp)})`,
    pass: share <= 0.01
  }]
}

// ---------------------------------------------------------------------------------------------
// HTTP: span creates with the policy off and on

const OpenedAccount = Schema.Struct({ token: Schema.String })

const httpPart = async (): Promise<ReadonlyArray<Verdict>> => {
  console.log("\n### POST /api/v1/agent_spans on the in-memory store: policy off vs a policy masking 2 of the span's keys\n")
  const rounds = Number(process.env["AGENTLEDGER_BENCH_HTTP_ROUNDS"] ?? "3")
  const closedMs = Number(process.env["AGENTLEDGER_BENCH_HTTP_MS"] ?? "2000")
  const server = await startServer()
  const load = await startLoad()
  try {
    const open = async (name: string) => {
      const answer = await call(server.url, operatorToken, "POST", "/api/v1/admin/account", { details: { name } })
      return { url: server.url, secret: expectAnswer(answer, 201, OpenedAccount, "POST admin/account").token }
    }
    const plain = await open("masking bench, policy off")
    const masked = await open("masking bench, policy on")
    const policy: Json = { details: { categories: [], keys: ["content", "text"] } }
    expectAnswer(await call(server.url, masked.secret, "PUT", "/api/v1/masking_policy", policy), 200, Schema.Unknown, "PUT masking_policy")
    const targets = [
      { name: "policy off", ...(await setUp(plain, "masking bench agent", 4)) },
      { name: "policy masks 2 keys", ...(await setUp(masked, "masking bench agent", 4)) }
    ].map((t) => ({ name: t.name, url: server.url, token: t.token, instances: t.runs.map((r) => r.id) }))
    const results = targets.map((): Array<Awaited<ReturnType<typeof load.run>>> => [])
    for (let round = 0; round < rounds; round++) {
      for (const [index, target] of targets.entries()) {
        const result = await load.run({
          url: target.url,
          token: target.token,
          instances: target.instances,
          mode: "closed",
          concurrency: 4,
          rate: 0,
          warmupMs: round === 0 ? 1000 : 300,
          durationMs: closedMs
        })
        results[index]?.push(checked(target, result))
      }
    }
    const rates = results.map((rs) => median(rs.map(rateOf)))
    printTable(["target", "spans/s (median of rounds)", "p50", "p99"], targets.map((target, index) => {
      const latencies = pooled(results[index] ?? [])
      return [target.name, formatInt(rates[index] ?? Number.NaN), ms(percentile(latencies, 0.5)), ms(percentile(latencies, 0.99))]
    }))
    const perRound = (results[1] ?? []).map((r, i) => rateOf(r) / rateOf(results[0]?.[i] ?? r))
    const share = median(perRound)
    return [{
      module: "masking",
      target: "HTTP span creates with a masking policy ≥ 0.9 × with it off (memory store, c = 4)",
      measured: `${formatRatio(share)} (${formatInt(rates[1] ?? Number.NaN)}/s vs ${formatInt(rates[0] ?? Number.NaN)}/s)`,
      pass: share >= 0.9
    }]
  } finally {
    await load.close()
    await server.close()
  }
}

export const runMaskingBench = async (): Promise<ReadonlyArray<Verdict>> => [...domainPart(), ...(await httpPart())]
