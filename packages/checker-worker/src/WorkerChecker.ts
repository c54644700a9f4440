/**
 * The `SchemaChecker` port on a pool of worker threads, for a server that takes schemas from
 * tenants. Every definition compiles in a thread under a time and memory budget; its validator
 * comes back as source and is loaded in the serving thread when small, so cheap checks still
 * run inline. Checks past the inline budget run in a thread under their own budget; a check
 * that breaks it is `unchecked`, a compilation that breaks it makes the definition invalid.
 * Nothing a definition or a payload does can end or stall the serving process.
 */
import { Conformance, type SchemaCheckerShape, SchemaChecker } from "@agentledger/domain"
import { Effect, Layer, type Scope } from "effect"
import { availableParallelism } from "node:os"
import { type Outcome, Pool, type PoolOptions } from "./Pool.js"
import type { Message } from "./protocol.js"

export interface Options extends PoolOptions {
  /** Units of work (`CheckCost`) a check may take in the serving thread. */
  readonly inlineBudget: number
}

/**
 * The defaults: one thread per spare core, a check gets 250 ms and a compilation 2 s, each in
 * 128 MiB; 256 checks may wait, for at most 1 s. The inline budget (200,000 units, a few
 * milliseconds of validation at most) keeps typical spans in the serving thread.
 */
export const defaults: Options = {
  threads: Math.max(1, Math.min(4, availableParallelism() - 1)),
  checkTimeoutMs: 250,
  compileTimeoutMs: 2_000,
  memoryMb: 128,
  maxQueue: 256,
  maxWaitMs: 1_000,
  inlineBudget: 200_000
}

/** Why a setting cannot be served (a thread needs 64 MiB to load; a zero budget answers nothing). */
export const problem = (options: Partial<Options>): string | undefined => {
  const settings = { ...defaults, ...options }
  if (settings.threads < 1) return "the schema checker needs at least 1 thread"
  if (settings.memoryMb < 64) return "the schema checker's threads need at least 64 MiB each"
  if (settings.checkTimeoutMs < 1 || settings.compileTimeoutMs < 1) return "the schema checker's budgets must be at least 1 ms"
  return undefined
}

const send = (pool: Pool, message: Message): Effect.Effect<Outcome> =>
  Effect.async<Outcome>((resume) => {
    const cancel = pool.submit(message, (outcome) => resume(Effect.succeed(outcome)))
    return Effect.sync(cancel)
  })

const compileIn = (pool: Pool) => (definition: unknown): Effect.Effect<Conformance.CompiledDefinition> =>
  send(pool, { kind: "compile", definition }).pipe(
    Effect.map((outcome) => {
      if (outcome.ok && outcome.response.kind === "compile") return Conformance.instantiate(definition, outcome.response.portable)
      const detail = outcome.ok ? "the checker answered something else" : `compiling it ${outcome.detail}`
      return Conformance.instantiate(definition, {
        check: { status: "invalid", message: Conformance.clip(`the definition could not be compiled: ${detail}`) },
        cost: { weights: [1], scans: [0], quadratic: false },
        bytes: 0,
        code: null
      })
    }),
    // Loading a validator's source takes the serving thread a few milliseconds: one per turn.
    Effect.zipLeft(Effect.yieldNow())
  )

export const make = (options: Partial<Options> = {}): Effect.Effect<SchemaCheckerShape, never, Scope.Scope> =>
  Effect.gen(function*() {
    const settings: Options = { ...defaults, ...options }
    const pool = yield* Effect.acquireRelease(
      Effect.sync(() => new Pool(settings)),
      (pool) => Effect.promise(() => pool.close())
    )
    const compileDefinition = compileIn(pool)
    return {
      inlineBudget: settings.inlineBudget,
      compile: (schema) =>
        Effect.gen(function*() {
          const types = new Map<string, Conformance.CompiledType>()
          const entries = Object.entries(schema.span_type_schemas)
          // Types often share a definition (`{}` for every result): each distinct one compiles once.
          const distinct = new Map<string, Effect.Effect<Conformance.CompiledDefinition>>()
          const once = (definition: unknown) =>
            Effect.suspend(() => {
              const key = JSON.stringify(definition)
              const known = distinct.get(key)
              if (known !== undefined) return known
              return Effect.flatMap(Effect.cached(compileDefinition(definition)), (cached) => {
                distinct.set(key, cached)
                return cached
              })
            })
          const compiled = yield* Effect.forEach(entries, ([, definition]) =>
            Effect.all({ params: once(definition.params_schema), result: once(definition.result_schema) }),
            { concurrency: settings.threads })
          entries.forEach(([name], index) => {
            const type = compiled[index]
            if (type !== undefined) types.set(name, type)
          })
          return Conformance.assemble(types)
        }),
      check: (jobs) =>
        Effect.forEach(jobs, (job) =>
          send(pool, { kind: "check", definition: job.definition, value: job.value, target: job.target }).pipe(
            Effect.map((outcome) =>
              outcome.ok && outcome.response.kind === "check"
                ? outcome.response.verdict
                : Conformance.unchecked(job.target, outcome.ok ? "the checker answered something else" : `the check ${outcome.detail}`)
            )
          ), { concurrency: "unbounded" })
    } satisfies SchemaCheckerShape
  })

/** The pool as the `SchemaChecker`, for as long as the layer's scope lasts. */
export const layer = (options: Partial<Options> = {}): Layer.Layer<SchemaChecker> => Layer.scoped(SchemaChecker, make(options))
