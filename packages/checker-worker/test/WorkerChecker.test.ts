/**
 * The worker-thread SchemaChecker: hostile definitions and payloads are answered within their
 * budgets while the calling thread keeps turning; verdicts agree with checks run in-thread.
 */
import { WorkerChecker } from "@agentledger/checker-worker"
import { ActivitySchema, Conformance, inThread, type Json, type SchemaCheckerShape } from "@agentledger/domain"
import { stallMonitor } from "@agentledger/testkit"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, FastCheck as fc, Scope, Exit } from "effect"

const schemaOf = (types: Record<string, { readonly params?: Json.Json; readonly result?: Json.Json }>) =>
  Either.getOrThrow(ActivitySchema.normalize({
    external_identifier: null,
    span_type_schemas: Object.entries(types).map(([name, t]) => ({
      name,
      ...(t.params === undefined ? {} : { params_schema: t.params }),
      ...(t.result === undefined ? {} : { result_schema: t.result })
    }))
  }))

/** A checker for the length of one test. */
const withChecker = <A>(options: Partial<WorkerChecker.Options>, use: (checker: SchemaCheckerShape) => Effect.Effect<A>) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const checker = yield* Scope.extend(WorkerChecker.make(options), scope)
    const result = yield* use(checker)
    yield* Scope.close(scope, Exit.void)
    return result
  })

/** The longest the calling thread went without a turn while `work` ran. */
const longestStall = <A>(work: Effect.Effect<A>) =>
  Effect.gen(function*() {
    const monitor = stallMonitor()
    const result = yield* work.pipe(Effect.ensuring(Effect.sync(monitor.stop)))
    return { result, worst: monitor.worst() }
  })

const doubleRef: Json.Json = { allOf: [{ additionalProperties: { $ref: "#" } }, { additionalProperties: { $ref: "#" } }] }
const nested = (levels: number): Json.Json => {
  let value: Json.Json = { leaf: "x" }
  for (let level = 0; level < levels; level++) value = { a: value }
  return value
}

describe("WorkerChecker", () => {
  it.effect("an exponential check is unchecked within its budget, and the caller never stalls", () =>
    withChecker({ threads: 1, checkTimeoutMs: 200, maxWaitMs: 30_000 }, (checker) =>
      Effect.gen(function*() {
        const compiled = yield* checker.compile(schemaOf({ bomb: { params: doubleRef } }))
        const type = compiled.types.get("bomb")
        expect(type?.params.check.status).toBe("valid")
        const payload = nested(40)
        const jobs = Conformance.offloadedChecks(type, payload, null, "active", checker.inlineBudget)
        expect(jobs.map((job) => job.target)).toEqual(["payload"])
        const started = performance.now()
        const { result, worst } = yield* longestStall(checker.check(jobs))
        expect(result[0]?.status).toBe("unchecked")
        expect(result[0]?.errors[0]?.message).toMatch(/budget of 200 ms/)
        expect(performance.now() - started).toBeLessThan(2_000)
        expect(worst).toBeLessThan(100)
        // The pool replaced the thread it ended: a cheap check still answers.
        const after = yield* checker.check([{ definition: { type: "object" }, value: {}, target: "payload" }])
        expect(after[0]?.status).toBe("conforms")
      })))

  it.effect("$async definitions are invalid, not a Promise read as a verdict", () =>
    withChecker({ threads: 1 }, (checker) =>
      Effect.gen(function*() {
        const compiled = yield* checker.compile(schemaOf({ t: { params: { $async: true, required: ["x"] } } }))
        expect(compiled.checks["t"]?.params.status).toBe("invalid")
        expect(compiled.checks["t"]?.params.message).toMatch(/\$async/)
      })))

  it.effect("a compilation past its memory budget makes the definition invalid; the pool lives on", () =>
    withChecker({ threads: 1, memoryMb: 64, compileTimeoutMs: 60_000 }, (checker) =>
      Effect.gen(function*() {
        const properties: Record<string, Json.Json> = {}
        for (let index = 0; index < 5_000; index++) properties[`p${index}`] = { type: "object", properties: { a: { type: "string", minLength: 1 } }, required: ["a"] }
        const compiled = yield* checker.compile(schemaOf({ big: { params: { type: "object", properties } } }))
        expect(compiled.checks["big"]?.params.status).toBe("invalid")
        expect(compiled.checks["big"]?.params.message).toMatch(/memory budget of 64 MiB/)
        const small = yield* checker.compile(schemaOf({ small: { params: { type: "object", required: ["x"] } } }))
        expect(small.checks["small"]?.params.status).toBe("valid")
      })))

  it.effect("definitions are isolated: a nested $id of one schema does not touch another's top-level $id", () =>
    withChecker({ threads: 1 }, (checker) =>
      Effect.gen(function*() {
        const first = yield* checker.compile(schemaOf({ a: { params: { properties: { x: { $id: "https://example.test/shared", type: "string" } } } } }))
        const second = yield* checker.compile(schemaOf({ b: { params: { $id: "https://example.test/shared", type: "object", required: ["y"] } } }))
        expect(first.checks["a"]?.params.status).toBe("valid")
        expect(second.checks["b"]?.params.status).toBe("valid")
        const type = second.types.get("b")
        expect(Conformance.checkType(type, { y: 1 }, null, "active").payload).toBe("conforms")
        expect(Conformance.checkType(type, {}, null, "active").payload).toBe("mismatch")
      })))
})

const definitions: ReadonlyArray<Json.Json> = [
  {},
  { type: "object", required: ["name"], properties: { name: { type: "string", minLength: 2 } }, additionalProperties: false },
  { type: "object", properties: { tags: { type: "array", items: { type: "string", pattern: "^[a-z]+$" }, uniqueItems: true } } },
  { type: "object", patternProperties: { "^x-": { type: "integer" } } },
  { anyOf: [{ required: ["kind"] }, { required: ["name"] }] },
  { $defs: { node: { type: "object", properties: { child: { $ref: "#/$defs/node" }, n: { type: "number" } } } }, $ref: "#/$defs/node" },
  { type: "object", properties: { kind: { enum: ["a", "b", 1, null, { x: [1] }] } } }
]

const payload: fc.Arbitrary<Record<string, unknown>> = fc.dictionary(
  fc.constantFrom("name", "tags", "kind", "child", "n", "x-a", "x-b", "other"),
  fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.constantFrom("a", "b", "C", "a"), { maxLength: 4 }), fc.dictionary(fc.constantFrom("child", "n"), fc.oneof(fc.integer(), fc.string())))
)

describe("WorkerChecker agrees with the in-thread checker", () => {
  it.effect("compiled validators and checks in a thread give the in-thread verdicts", () =>
    withChecker({ threads: 2, maxQueue: 1_000, maxWaitMs: 60_000 }, (checker) =>
      Effect.gen(function*() {
        const schema = schemaOf(Object.fromEntries(definitions.map((params, index) => [`t${index}`, { params }])))
        const portable = yield* checker.compile(schema)
        const local = yield* inThread.compile(schema)
        const cases = fc.sample(fc.tuple(fc.nat({ max: definitions.length - 1 }), payload), 300)
        for (const [index, value] of cases) {
          const name = `t${index}`
          expect(Conformance.checkType(portable.types.get(name), value, null, "active")).toEqual(Conformance.checkType(local.types.get(name), value, null, "active"))
        }
        const jobs = cases.map(([index, value]) => ({ definition: definitions[index], value, target: "payload" as const }))
        const inWorker = yield* checker.check(jobs)
        const here = yield* inThread.check(jobs)
        expect(inWorker).toEqual(here)
      })))
})
