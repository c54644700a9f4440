/**
 * The main job (`npm start`): records one run of an agent with nested spans in a persistent
 * store — embedded PGlite in `./.agentledger` by default (`AGENTLEDGER_DATA_DIR` moves it),
 * PostgreSQL when `DATABASE_URL` is set — and prints its timeline, conformance flags and risk
 * breakdown, and how many runs the store holds. Run it twice: the second run finds the first.
 *
 * On an empty store it bootstraps an account; the account's one-time token is kept in
 * `<data dir>/example-token` (mode 0600) so that later runs can authenticate.
 */
import { ActivitySchema, Ids, Ledger, LedgerLive } from "@agentledger/domain"
import { PgStore } from "@agentledger/store-postgres"
import { Config, Console, Effect, Layer, Option, Schema } from "effect"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"

const dataDir = resolve(process.env["AGENTLEDGER_DATA_DIR"] ?? ".agentledger")
const databaseUrl = process.env["DATABASE_URL"]
const store = databaseUrl === undefined
  ? (mkdirSync(dataDir, { recursive: true }), PgStore.layerPglite({ dataDir: join(dataDir, "pglite") }))
  : PgStore.layerPgConfig({ url: Config.redacted("DATABASE_URL") })
const LedgerOnDisk = LedgerLive.layer.pipe(Layer.provide(store), Layer.provide(Ids.IdEntropy.Live))
const tokenFile = join(dataDir, "example-token")

// Ledger inputs are decoded values; `Commands` and the model modules hold the Schemas that decode them.
const schema = Schema.decodeUnknownSync(ActivitySchema.ActivitySchemaInput)({
  external_identifier: "support-bot-schema-1",
  span_type_schemas: [
    { name: "agent", params_schema: { type: "object" } },
    {
      name: "crm:lookup",
      params_schema: { type: "object", properties: { customer_id: { type: "string" } }, required: ["customer_id"] },
      result_schema: { type: "object", properties: { email: { type: "string" } }, required: ["email"] },
      data_risk: {
        action_profile: { read_data: "allowed" },
        result_data_categories: { personal_identifiers: "included", contact_information: "included" }
      }
    },
    { name: "llm", params_schema: { type: "object", required: ["prompt"] } }
  ]
})

/** The example's account: bootstrapped on an empty store, found again through the kept token. */
const authenticated = Effect.gen(function*() {
  const ledger = yield* Ledger
  const created = yield* ledger.bootstrap({ name: "Acme" })
  if (created !== null) {
    mkdirSync(dataDir, { recursive: true })
    writeFileSync(tokenFile, created.secret, { mode: 0o600 })
    yield* Console.log(`Bootstrapped account ${created.account.id} (token kept in ${tokenFile})`)
    return yield* ledger.authenticate(created.secret)
  }
  return yield* ledger.authenticate(readFileSync(tokenFile, "utf8").trim())
})

const program = Effect.gen(function*() {
  const session = yield* authenticated
  const existing = yield* Effect.option(session.findAgentByExternalIdentifier("support-bot"))
  const agent = Option.isSome(existing) ? existing.value : yield* Effect.gen(function*() {
    const profile = yield* session.createRiskProfile({
      name: "Customer data",
      category_weights: { personal_identifiers: { weight: 8, included: true }, contact_information: { weight: 4, included: true } },
      action_multipliers: { read_data: { multiplier: 1, included: true } },
      thresholds: { medium: 20, high: 50, critical: 100 }
    })
    return yield* session.createAgent({ name: "Support bot", external_identifier: "support-bot", risk_profile_id: profile.profile.id })
  })
  const [production] = (yield* session.listEnvironments({ offset: 0, page_size: 25, sorting: "-name" })).items
  if (production === undefined) return yield* Effect.dieMessage("the account has no environment")

  const run = yield* session.registerRun({
    agent_id: agent.id,
    environment_id: production.id,
    agent_version: { external_identifier: "1.4.0", name: "Support bot" },
    agent_schema_version: schema,
    update_current_version: true,
    purpose: "live"
  })
  yield* session.startRun(run.id, {})
  const root = yield* session.recordSpan({ agent_instance_id: run.id, schema_name: "agent", status: "active", payload: { goal: "refund" } })
  for (const customer of ["c-1", "c-2", "c-3"]) {
    yield* session.recordSpan({
      agent_instance_id: run.id,
      parent_span_id: root.id,
      schema_name: "crm:lookup",
      status: "complete",
      payload: { customer_id: customer },
      result_payload: { email: `${customer}@example.com` }
    })
  }
  yield* session.recordSpan({
    agent_instance_id: run.id,
    parent_span_id: root.id,
    schema_name: "llm",
    status: "failed",
    payload: { messages: [] },
    result_payload: { error_type: "Timeout", message: "no answer" }
  })
  yield* session.finishSpan(root.id, { status: "complete", result_payload: { answer: "refunded" } })
  const finished = yield* session.finishRun(run.id, { status: "complete" })

  const timeline = yield* session.getTimeline(run.id)
  yield* Console.log(`Run ${finished.id}: ${finished.status}, ${finished.span_counts.total} spans, ${finished.conformance_counts.flagged} flagged`)
  yield* Console.log("\nTimeline")
  for (const { depth, span } of timeline.spans) {
    const flags = `payload ${span.conformance.payload}, result ${span.conformance.result}`
    yield* Console.log(`${"  ".repeat(depth + 1)}${span.schema_name} [${span.status}] ${flags}, +${span.risk_points / 100} risk`)
    for (const error of span.conformance.errors) {
      yield* Console.log(`${"  ".repeat(depth + 3)}! ${error.target}${error.instance_path} ${error.message}`)
    }
  }
  const report = yield* session.getRiskReport(run.id)
  if (report !== null) {
    yield* Console.log(`\nRisk ${report.total / 100} → ${report.level} (thresholds ${report.thresholds.medium / 100}/${report.thresholds.high / 100}/${report.thresholds.critical / 100})`)
    for (const entry of report.breakdown) {
      yield* Console.log(`  ${entry.schema_name}: ${entry.span_count} span(s), ${(entry.share * 100).toFixed(0)}% of spans, ${entry.points / 100} points`)
    }
  }
  const runs = yield* session.listInstances({ offset: 0, page_size: 1, agent_id: agent.id })
  yield* Console.log(`\nThe store (${databaseUrl === undefined ? `PGlite in ${dataDir}` : "PostgreSQL at DATABASE_URL"}) holds ${runs.pagination.item_count} run(s) of ${agent.name}.`)
})

Effect.runPromise(program.pipe(Effect.provide(LedgerOnDisk))).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
