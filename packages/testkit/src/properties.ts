/**
 * Property tests: the model-based workload property (every invariant after every step, over
 * random operation sequences in several accounts) and focused properties for fingerprints,
 * conformance, risk, idempotency, the timeline and pagination.
 */
import { type ActivitySchema, DataRisk, type Ids, type Json, type Ledger, type RiskProfile } from "@agentledger/domain"
import { describe, expect, it } from "@effect/vitest"
import { DateTime, Effect, FastCheck as fc, type Layer } from "effect"
import * as Arbitraries from "./arbitraries.js"
import { everything, runCommand, runOf, tenant } from "./harness.js"
import { at, formatReport } from "./model.js"
import {
  canonical,
  levelRank,
  referenceConformance,
  referenceFlagged,
  referenceLevel,
  referenceRules,
  referenceScore,
  referenceTimeline
} from "./reference.js"
import { runs } from "./runs.js"
import {
  declaredTypes,
  payloads,
  renderSchema,
  renderVersion,
  results,
  type SchemaSpec,
  schemaContentKey,
  spanTypeNames,
  type VersionSpec,
  versionContentKey
} from "./specs.js"
import { runWorkload } from "./workload/index.js"

export interface PropertyOptions {
  /** Multiplies every property's number of runs (on top of `AGENTLEDGER_DEEP`). */
  readonly runsFactor?: number
  /** Per-property timeout in milliseconds. */
  readonly timeout?: number
}

// ---------------------------------------------------------------------------------------------
// Content perturbations: each one changes what a schema or a version means
// ---------------------------------------------------------------------------------------------

/** The spec with one thing about it changed; its content key differs from the original's. */
export const changeSchema = (spec: SchemaSpec, choice: number): SchemaSpec => {
  const [first, ...rest] = spec.types
  const candidates: Array<SchemaSpec> = [
    { ...spec, external_identifier: spec.external_identifier === null ? "changed" : `${spec.external_identifier}-changed` }
  ]
  if (first !== undefined) {
    const params: Json.Json = { type: "object", properties: { changed: { type: "boolean" } } }
    candidates.push({ ...spec, types: [{ ...first, params: canonical(first.params) === canonical(params) ? {} : params }, ...rest] })
    candidates.push({ ...spec, types: [{ ...first, result: { type: "object", required: ["changed"] } }, ...rest] })
    candidates.push({ ...spec, types: [{ ...first, title: first.title === null ? "Changed title" : null }, ...rest] })
    const flip = first.data_risk.action_profile.destroy_data === "allowed" ? "disallowed" : "allowed"
    candidates.push({
      ...spec,
      types: [{ ...first, data_risk: { ...first.data_risk, action_profile: { ...first.data_risk.action_profile, destroy_data: flip } } }, ...rest]
    })
    if (rest.length > 0) candidates.push({ ...spec, types: rest })
  }
  const unused = spanTypeNames.find((name) => !spec.types.some((t) => t.name === name))
  if (unused !== undefined) {
    candidates.push({
      ...spec,
      types: [...spec.types, { name: unused, params: {}, result: {}, title: null, description: null, data_risk: DataRisk.unknownDataRisk }]
    })
  }
  const key = schemaContentKey(spec)
  const changed = candidates.filter((c) => schemaContentKey(c) !== key)
  return changed[choice % changed.length] ?? candidates[0] ?? spec
}

export const changeVersion = (spec: VersionSpec, choice: number): VersionSpec => {
  const candidates: Array<VersionSpec> = [
    { ...spec, external_identifier: spec.external_identifier === null ? "9.9.9" : `${spec.external_identifier}+1` },
    { ...spec, os: spec.os === "plan9" ? null : "plan9" },
    { ...spec, agent_sdk: spec.agent_sdk === null ? ["crewai@0.1.0"] : [...spec.agent_sdk, "crewai@0.1.0"] },
    { ...spec, runtime: spec.runtime === null ? "bun 1.1.0" : null }
  ]
  return candidates[choice % candidates.length] ?? spec
}

// ---------------------------------------------------------------------------------------------
// Reference risk declarations
// ---------------------------------------------------------------------------------------------

const referenceViolations = (
  types: ReadonlyArray<{ readonly name: string; readonly risk: DataRisk.DataRisk }>,
  rules: RiskProfile.RiskRulesInput
): ReadonlyArray<string> => {
  const out: Array<string> = []
  for (const { name, risk } of types) {
    for (const action of DataRisk.actions) {
      const rule = rules.action_multipliers[action]
      if (risk.action_profile[action] === "allowed" && rule !== undefined && !rule.included) out.push(`${name}/action/${action}`)
    }
    for (const category of DataRisk.categories) {
      const rule = rules.category_weights[category]
      if (rule !== undefined && rule.included) continue
      if (risk.params_data_categories[category] === "included") out.push(`${name}/params_category/${category}`)
      if (risk.result_data_categories[category] === "included") out.push(`${name}/result_category/${category}`)
    }
  }
  return out.sort()
}

const jsonLeaf: fc.Arbitrary<Json.Json> = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.integer({ min: -5, max: 50 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 3 })), { maxLength: 3 })
)
/** Payloads that use the keys the pool schemas talk about, with values of every JSON kind. */
const payload: fc.Arbitrary<Json.JsonObject> = fc.oneof(
  fc.constantFrom(...payloads),
  fc.dictionary(fc.constantFrom("prompt", "customer_id", "limit", "query", "n", "email", "text", "rows", "extra"), jsonLeaf, { maxKeys: 4 })
)

// ---------------------------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------------------------

export const propertyTests = <E>(makeLayer: () => Layer.Layer<Ledger, E>, options: PropertyOptions = {}): void => {
  const n = (base: number) => Math.max(1, Math.round(runs(base) * (options.runsFactor ?? 1)))
  const timeout = options.timeout ?? 300_000
  const fresh = <A, E2>(effect: Effect.Effect<A, E2, Ledger>) => effect.pipe(Effect.provide(makeLayer()))

  describe("model-based", () => {
    it.live.prop(
      "random operation sequences in several accounts keep invariants 1–8 after every step",
      { workload: Arbitraries.workload() },
      ({ workload }) =>
        Effect.gen(function*() {
          const report = yield* runWorkload(makeLayer, workload)
          expect(report.violations, formatReport(report)).toEqual([])
        }),
      { timeout, fastCheck: { numRuns: n(25) } }
    )
  })

  describe("invariant 3: fingerprints", () => {
    it.live.prop(
      "every form of the same content reuses the version and schema version; any change of content makes new ones",
      {
        schema: Arbitraries.schemaSpec,
        version: Arbitraries.versionSpec,
        forms: fc.array(fc.tuple(fc.nat(), fc.option(fc.constantFrom(...Arbitraries.agentNames), { nil: null })), { minLength: 2, maxLength: 5 }),
        change: fc.nat()
      },
      ({ change, forms, schema, version }) =>
        fresh(Effect.gen(function*() {
          const t = yield* tenant()
          const agent = yield* t.session.createAgent({ name: "Bot" })
          const register = (schemaInput: ActivitySchema.ActivitySchemaInput, versionSpec: VersionSpec, seed: number, name: string | null) =>
            t.session.registerRun(runCommand(agent.id, t.production.id, {
              version: renderVersion(versionSpec, { name, description: null }, seed),
              schema: schemaInput
            }))
          const runsOfForms = []
          for (const [seed, name] of forms) runsOfForms.push(yield* register(renderSchema(schema, seed), version, seed, name))
          const versionIds = new Set(runsOfForms.map((r) => r.agent_version_id))
          const schemaIds = new Set(runsOfForms.map((r) => r.agent_schema_version_id))
          expect(versionIds.size, "one version for every form of one content").toBe(1)
          expect(schemaIds.size, "one schema version for every form of one content").toBe(1)
          const first = runsOfForms[0]
          if (first === undefined) return
          const firstVersion = yield* t.session.getVersion(first.agent_version_id)
          expect(firstVersion.name, "the version keeps the display name of its first run").toBe(forms[0]?.[1] ?? null)

          // A change of the schema: a new schema version and a new version.
          const changedSchema = changeSchema(schema, change)
          expect(schemaContentKey(changedSchema)).not.toBe(schemaContentKey(schema))
          const changed = yield* register(renderSchema(changedSchema, change), version, change, null)
          expect(changed.agent_schema_version_id).not.toBe(first.agent_schema_version_id)
          expect(changed.agent_version_id).not.toBe(first.agent_version_id)
          // A change of the version metadata only: a new version on the same schema version.
          const changedVersion = changeVersion(version, change)
          expect(versionContentKey(changedVersion, "")).not.toBe(versionContentKey(version, ""))
          const moved = yield* register(renderSchema(schema, change + 1), changedVersion, change, null)
          expect(moved.agent_schema_version_id).toBe(first.agent_schema_version_id)
          expect(moved.agent_version_id).not.toBe(first.agent_version_id)
          // Another agent with the same content has its own records.
          const other = yield* t.session.createAgent({ name: "Other" })
          const theirs = yield* t.session.registerRun(runCommand(other.id, t.production.id, {
            version: renderVersion(version, { name: null, description: null }, 0),
            schema: renderSchema(schema, 0),
            update_current_version: false
          }))
          expect(theirs.agent_version_id).not.toBe(first.agent_version_id)

          const versions = yield* t.session.listVersions({ ...everything, agent_id: agent.id })
          expect(versions.items.map((v) => v.sequence).sort()).toEqual([1, 2, 3])
          const schemas = yield* t.session.listSchemaVersions({ ...everything, agent_id: agent.id })
          expect(schemas.items.map((s) => s.sequence).sort()).toEqual([1, 2])
          // Records are immutable.
          expect(canonical(yield* t.session.getVersion(first.agent_version_id))).toBe(canonical(firstVersion))
        })),
      { timeout, fastCheck: { numRuns: n(30) } }
    )
  })

  describe("invariant 6: conformance", () => {
    it.live.prop(
      "every span is stored, and its flag equals an independent Ajv check of payload and result",
      {
        schema: Arbitraries.schemaSpec,
        spans: fc.array(
          fc.record({
            type: fc.nat({ max: spanTypeNames.length }),
            payload,
            result: fc.option(fc.oneof(fc.constantFrom(...results), payload), { nil: null }),
            status: fc.constantFrom("active" as const, "complete" as const, "failed" as const),
            finish: fc.option(fc.oneof(fc.constantFrom(...results), payload), { nil: null })
          }),
          { minLength: 1, maxLength: 12 }
        )
      },
      ({ schema, spans }) =>
        fresh(Effect.gen(function*() {
          const t = yield* tenant()
          const agent = yield* t.session.createAgent({ name: "Bot" })
          const run = yield* runOf(t.session, agent.id, t.production.id, "1.0.0", { schema: renderSchema(schema, spans.length) })
          const declared = declaredTypes(schema)
          const expected: Array<{ payload: string; result: string }> = []
          for (const s of spans) {
            const type = spanTypeNames[s.type] ?? "undeclared:type"
            const open = s.status === "active"
            const result = open ? null : s.result
            const recorded = yield* t.session.recordSpan({
              agent_instance_id: run.id,
              schema_name: type,
              status: s.status,
              payload: s.payload,
              ...(result === null ? {} : { result_payload: result })
            })
            let conformance = referenceConformance(declared, type, s.payload, result, s.status)
            expect({ payload: recorded.conformance.payload, result: recorded.conformance.result }).toEqual(conformance)
            if (open) {
              const finished = yield* t.session.finishSpan(recorded.id, { status: "complete", ...(s.finish === null ? {} : { result_payload: s.finish }) })
              conformance = referenceConformance(declared, type, s.payload, s.finish, "complete")
              expect({ payload: finished.conformance.payload, result: finished.conformance.result }).toEqual(conformance)
            }
            expected.push(conformance)
          }
          const timeline = yield* t.session.getTimeline(run.id)
          expect(timeline.spans).toHaveLength(spans.length)
          const flagged = expected.filter(referenceFlagged).length
          expect(timeline.instance.conformance_counts).toEqual({ conforms: spans.length - flagged, flagged })
        })),
      { timeout, fastCheck: { numRuns: n(30) } }
    )
  })

  describe("invariant 7: risk", () => {
    it.live.prop(
      "totals equal the reference calculation and the breakdown; adding a span never lowers total or peak; level is monotone in total",
      {
        rules: Arbitraries.riskRulesInput,
        risks: fc.array(Arbitraries.dataRisk, { minLength: 1, maxLength: 4 }),
        spans: fc.array(
          fc.record({
            type: fc.nat(),
            status: fc.constantFrom("active" as const, "complete" as const, "failed" as const, "cancelled" as const, "terminated" as const),
            cancelLater: fc.boolean()
          }),
          { maxLength: 14 }
        )
      },
      ({ risks, rules, spans }) =>
        fresh(Effect.gen(function*() {
          const t = yield* tenant()
          const profile = yield* t.session.createRiskProfile({ name: "P", ...rules })
          const reference = referenceRules(rules)
          const agent = yield* t.session.createAgent({ name: "Bot", risk_profile_id: profile.profile.id })
          const types = risks.map((risk, index) => ({ name: `type-${index}`, risk }))
          const schema: ActivitySchema.ActivitySchemaInput = {
            span_type_schemas: types.map((type) => ({ name: type.name, data_risk: type.risk }))
          }
          const run = yield* runOf(t.session, agent.id, t.production.id, "1.0.0", { schema })
          const versionRisk = yield* t.session.getVersionRisk(run.agent_version_id)
          const scores = types.map((type) => referenceScore(type.risk, reference))
          const theoretical = scores.reduce((a, b) => a + b, 0)
          expect(versionRisk?.theoretical.total).toBe(theoretical)
          expect(versionRisk?.theoretical.level).toBe(referenceLevel(theoretical, reference.thresholds))
          expect([...(versionRisk?.violations ?? [])].map((v) => `${v.schema_name}/${v.kind}/${v.key}`).sort()).toEqual(referenceViolations(types, rules))

          let total = 0
          let peak = 0
          const observed: Array<{ total: number; level: number }> = []
          const open: Array<{ id: Parameters<typeof t.session.finishSpan>[0]; points: number }> = []
          for (const s of spans) {
            const index = s.type % types.length
            const type = types[index]
            if (type === undefined) continue
            const recorded = yield* t.session.recordSpan({ agent_instance_id: run.id, schema_name: type.name, status: s.status, payload: {} })
            const points = s.status === "cancelled" ? 0 : scores[index] ?? 0
            expect(recorded.risk_points).toBe(points)
            const risk = (yield* t.session.getInstance(run.id)).risk
            if (risk === null) return expect.fail("a scored run lost its risk")
            expect(risk.total, "adding a span never lowers the total").toBeGreaterThanOrEqual(total)
            expect(levelRank[risk.peak_level], "adding a span never lowers the peak").toBeGreaterThanOrEqual(peak)
            total += points
            peak = Math.max(peak, levelRank[referenceLevel(total, reference.thresholds)])
            expect(risk).toEqual({ total, level: referenceLevel(total, reference.thresholds), peak_level: ["low", "medium", "high", "critical"][peak] })
            observed.push({ total: risk.total, level: levelRank[risk.level] })
            if (s.status === "active" && s.cancelLater) open.push({ id: recorded.id, points })
          }
          for (const span of open) {
            yield* t.session.finishSpan(span.id, { status: "cancelled" })
            total -= span.points
            const risk = (yield* t.session.getInstance(run.id)).risk
            expect(risk).toEqual({ total, level: referenceLevel(total, reference.thresholds), peak_level: ["low", "medium", "high", "critical"][peak] })
            if (risk !== null) observed.push({ total: risk.total, level: levelRank[risk.level] })
          }
          // The level is monotone in the total.
          for (const a of observed) for (const b of observed) if (a.total <= b.total) expect(a.level).toBeLessThanOrEqual(b.level)
          const report = yield* t.session.getRiskReport(run.id)
          expect(report?.total).toBe(total)
          expect(report?.breakdown.reduce((sum, entry) => sum + entry.points, 0)).toBe(total)
        })),
      { timeout, fastCheck: { numRuns: n(30) } }
    )
  })

  describe("invariant 8: idempotency", () => {
    const kinds = ["createAgent", "createEnvironment", "registerRun", "recordSpan", "recordSpans", "createDeployment", "createRiskProfile", "finishSpan", "createToken"] as const
    it.live.prop(
      "a call repeated with the same key — in sequence or at once — has one effect and answers the first answer",
      { kind: fc.constantFrom(...kinds), repeats: fc.integer({ min: 2, max: 5 }), together: fc.boolean() },
      ({ kind, repeats, together }) =>
        fresh(Effect.gen(function*() {
          const t = yield* tenant()
          const agent = yield* t.session.createAgent({ name: "Bot" })
          const run = yield* runOf(t.session, agent.id, t.staging.id, "1.0.0", { update_current_version: false })
          const open = yield* t.session.recordSpan({ agent_instance_id: run.id, schema_name: "agent", status: "active", payload: {} })
          const key = { idempotencyKey: `k-${kind}` }
          const repeat = <A, E2>(call: () => Effect.Effect<A, E2>) =>
            together
              ? Effect.all(Array.from({ length: repeats }, call), { concurrency: "unbounded" })
              : Effect.forEach(Array.from({ length: repeats }), () => call())
          const same = (answers: ReadonlyArray<unknown>) => {
            for (const answer of answers) expect(canonical(answer)).toBe(canonical(answers[0]))
          }
          switch (kind) {
            case "createAgent":
              same(yield* repeat(() => t.session.createAgent({ name: "Another" }, key)))
              break
            case "createEnvironment":
              same(yield* repeat(() => t.session.createEnvironment({ name: "qa", purpose: "testing" }, key)))
              break
            case "registerRun":
              same(yield* repeat(() => t.session.registerRun(runCommand(agent.id, t.development.id, { version: {}, schema: {} }), key)))
              break
            case "recordSpan":
              same(yield* repeat(() => t.session.recordSpan({ agent_instance_id: run.id, schema_name: "llm", status: "complete", payload: { prompt: "p" } }, key)))
              break
            case "recordSpans":
              same(yield* repeat(() =>
                t.session.recordSpans([
                  { agent_instance_id: run.id, schema_name: "llm", status: "complete", payload: {} },
                  { agent_instance_id: run.id, schema_name: "llm", status: "active", payload: {} }
                ], key)
              ))
              break
            case "createDeployment":
              same(yield* repeat(() => t.session.createDeployment({ agent_id: agent.id, environment_id: t.production.id }, key)))
              break
            case "createRiskProfile":
              same(yield* repeat(() => t.session.createRiskProfile({ name: "P", category_weights: {}, action_multipliers: {}, thresholds: { medium: 1, high: 2, critical: 3 } }, key)))
              break
            case "finishSpan":
              same(yield* repeat(() => t.session.finishSpan(open.id, { status: "complete" }, key)))
              break
            case "createToken": {
              const created = yield* repeat(() => t.session.createToken({ token_scope: "account" }, key))
              same(created.map((c) => c.token))
              expect(created.filter((c) => c.secret !== null), "the secret is shown to one caller only").toHaveLength(1)
              break
            }
          }
          const counts = {
            agents: (yield* t.session.listAgents(everything)).items.length,
            environments: (yield* t.session.listEnvironments(everything)).items.length,
            instances: (yield* t.session.listInstances(everything)).items.length,
            spans: (yield* t.session.getTimeline(run.id)).spans.length,
            deployments: (yield* t.session.listDeployments(everything)).items.length,
            profiles: (yield* t.session.listRiskProfiles(everything)).items.length,
            tokens: (yield* t.session.listTokens(everything)).items.length,
            history: (yield* t.session.getTimeline(run.id)).spans.filter((s) => s.span.status === "complete").length
          }
          const expected = {
            agents: kind === "createAgent" ? 2 : 1,
            environments: kind === "createEnvironment" ? 4 : 3,
            instances: kind === "registerRun" ? 2 : 1,
            spans: kind === "recordSpan" ? 2 : kind === "recordSpans" ? 3 : 1,
            deployments: kind === "createDeployment" || kind === "registerRun" ? 1 : 0,
            profiles: kind === "createRiskProfile" ? 1 : 0,
            tokens: kind === "createToken" ? 2 : 1,
            history: kind === "recordSpan" || kind === "recordSpans" || kind === "finishSpan" ? 1 : 0
          }
          expect(counts).toEqual(expected)
        })),
      { timeout, fastCheck: { numRuns: n(25) } }
    )
  })

  describe("invariant 5: the timeline", () => {
    it.live.prop(
      "the timeline lists every span once, as a tree, siblings by started_at then creation order",
      {
        spans: fc.array(fc.record({ parent: fc.option(fc.nat(), { nil: null }), offset: fc.integer({ min: -3, max: 3 }) }), { minLength: 1, maxLength: 15 })
      },
      ({ spans }) =>
        fresh(Effect.gen(function*() {
          const t = yield* tenant()
          const agent = yield* t.session.createAgent({ name: "Bot" })
          const run = yield* runOf(t.session, agent.id, t.production.id)
          const base = Date.now()
          const recorded: Array<{ id: Ids.SpanId; parent: Ids.SpanId | null; startedAt: number; order: number }> = []
          for (const [index, s] of spans.entries()) {
            const parent = s.parent === null ? null : at(recorded, s.parent)?.id ?? null
            const started = base + s.offset * 1000
            const created = yield* t.session.recordSpan({
              agent_instance_id: run.id,
              schema_name: "agent",
              status: "active",
              payload: {},
              started_at: DateTime.unsafeMake(started),
              ...(parent === null ? {} : { parent_span_id: parent })
            })
            recorded.push({ id: created.id, parent, startedAt: started, order: index + 1 })
          }
          const timeline = yield* t.session.getTimeline(run.id)
          expect(timeline.spans.map((s) => ({ id: s.span.id, depth: s.depth }))).toEqual(referenceTimeline(recorded))
        })),
      { timeout, fastCheck: { numRuns: n(20) } }
    )
  })

  describe("lists", () => {
    it.live.prop(
      "every page is the matching slice of the whole sorted list, with a consistent pagination block",
      {
        names: fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{0,11}$/), { minLength: 0, maxLength: 20, selector: (s) => s.toLowerCase() }),
        requests: fc.array(Arbitraries.listRequest(["id", "name", "inserted_at"]), { minLength: 1, maxLength: 5 })
      },
      ({ names, requests }) =>
        fresh(Effect.gen(function*() {
          const t = yield* tenant()
          for (const name of names.filter((n) => !["development", "staging", "production"].includes(n))) {
            yield* t.session.createEnvironment({ name, purpose: "testing" })
          }
          const all = (yield* t.session.listEnvironments(everything)).items
          for (const request of requests) {
            const page = yield* t.session.listEnvironments(request)
            const sorting = request.sorting ?? "name"
            const descending = sorting.startsWith("-")
            const field = descending ? sorting.slice(1) : sorting
            const key = (e: (typeof all)[number]) => field === "name" ? e.name : field === "id" ? e.id : DateTime.toEpochMillis(e.inserted_at)
            const sorted = [...all].sort((a, b) => {
              const x = key(a)
              const y = key(b)
              const order = x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0
              return descending ? -order : order
            })
            const slice = sorted.slice(request.offset, request.offset + request.page_size)
            expect(page.items.map((e) => e.id)).toEqual(slice.map((e) => e.id))
            expect(page.pagination).toEqual({
              item_count: all.length,
              item_start: slice.length === 0 ? 0 : request.offset + 1,
              item_end: request.offset + slice.length,
              page_count: Math.ceil(all.length / request.page_size),
              page_index: Math.floor(request.offset / request.page_size) + 1,
              page_offset: request.offset,
              page_size: request.page_size,
              next_page_offset: request.offset + request.page_size < all.length ? request.offset + request.page_size : null,
              previous_page_offset: request.offset === 0 ? null : Math.max(0, request.offset - request.page_size)
            })
          }
        })),
      { timeout, fastCheck: { numRuns: n(20) } }
    )
  })
}
