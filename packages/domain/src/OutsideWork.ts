/**
 * Work a span decision needs that must not run inside a unit of work: compiling a schema version
 * and checks past the inline budget. Either can take a worker's whole budget, and a unit of work
 * holds a database connection (the embedded store's only one) and the run's lock meanwhile.
 *
 * So a use case runs its unit of work against the answers it has; where it meets work it has no
 * answer for, it stops with `Pending` before writing anything, naming that work. `settle` does
 * the work outside, then runs the use case again with the answers. The inputs and the schema
 * version of a run do not change between the two runs, so the second one needs nothing more
 * (a third round covers a schema compiled in the second; none is needed past that).
 */
import { Effect, Schema } from "effect"
import { ActivitySchema } from "./ActivitySchema.js"
import { type CheckJob, type CompiledActivitySchema, CompiledSchemaCache, type Offloaded, offloadedChecks, type CompiledType, unchecked, type Verdict } from "./Conformance.js"
import type { SchemaCheckerShape } from "./SchemaChecker.js"

/** A check to run outside, named by the position of its span in the request and its target. */
const PendingCheck = Schema.Struct({
  key: Schema.String,
  definition: Schema.Unknown,
  value: Schema.Unknown,
  target: Schema.Literal("payload", "result")
})

/** A unit of work stopped for work outside it; never leaves `settle`. */
export class Pending extends Schema.TaggedError<Pending>()("Pending", {
  schemas: Schema.Array(Schema.Struct({ fingerprint: Schema.String, schema: ActivitySchema })),
  checks: Schema.Array(PendingCheck)
}) {}

/** What a run of a unit of work knows from the rounds before it. */
export interface Answers {
  readonly compiled: ReadonlyMap<string, CompiledActivitySchema>
  readonly verdicts: ReadonlyMap<string, Verdict>
}

export const noAnswers: Answers = { compiled: new Map(), verdicts: new Map() }

const rounds = 3

export interface Outside {
  /** The compiled form of a schema version: cached, answered, or `Pending`. */
  readonly compiled: (answers: Answers, fingerprint: string, schema: () => ActivitySchema) => Effect.Effect<CompiledActivitySchema, Pending>
  /**
   * The verdicts of a span's checks past the budget, collected into `pending` when there are
   * none yet (the span is then decided on a placeholder, and the unit of work stops before it
   * writes). `index` names the span in its request.
   */
  readonly offloaded: (
    answers: Answers,
    pending: Array<typeof PendingCheck.Type>,
    index: number,
    type: CompiledType | undefined,
    payload: unknown,
    resultPayload: unknown,
    status: string,
    checkPayload?: boolean
  ) => Offloaded | undefined
  /** Runs `attempt` until it needs nothing outside, doing that work between its runs. */
  readonly settle: <A, E, R>(attempt: (answers: Answers) => Effect.Effect<A, E | Pending, R>) => Effect.Effect<A, Exclude<E, Pending>, R>
}

const isPending = (error: unknown): error is Pending => error instanceof Pending

export const make = (checker: SchemaCheckerShape, cache: CompiledSchemaCache): Outside => {
  /** Concurrent requests for one new schema version compile it once. */
  const compiling = new Map<string, Effect.Effect<CompiledActivitySchema>>()
  const compileOnce = (fingerprint: string, schema: ActivitySchema): Effect.Effect<CompiledActivitySchema> =>
    Effect.suspend(() => {
      const hit = cache.get(fingerprint)
      if (hit !== undefined) return Effect.succeed(hit)
      const running = compiling.get(fingerprint)
      if (running !== undefined) return running
      return Effect.flatMap(
        Effect.cached(checker.compile(schema).pipe(
          Effect.tap((compiled) => Effect.sync(() => cache.set(fingerprint, compiled))),
          Effect.ensuring(Effect.sync(() => compiling.delete(fingerprint)))
        )),
        (once) => {
          compiling.set(fingerprint, once)
          return once
        }
      )
    })

  const work = (pending: Pending, answers: Answers): Effect.Effect<Answers> =>
    Effect.gen(function*() {
      const compiled = new Map(answers.compiled)
      for (const { fingerprint, schema } of pending.schemas) compiled.set(fingerprint, yield* compileOnce(fingerprint, schema))
      const verdicts = new Map(answers.verdicts)
      if (pending.checks.length > 0) {
        const jobs: ReadonlyArray<CheckJob> = pending.checks
        const answered = yield* checker.check(jobs)
        pending.checks.forEach((check, index) => verdicts.set(check.key, answered[index] ?? unchecked(check.target, "no verdict came back")))
      }
      return { compiled, verdicts }
    })

  return {
    compiled: (answers, fingerprint, schema) => {
      const known = cache.get(fingerprint) ?? answers.compiled.get(fingerprint)
      if (known !== undefined) return Effect.succeed(known)
      return Effect.fail(new Pending({ schemas: [{ fingerprint, schema: schema() }], checks: [] }))
    },

    offloaded: (answers, pending, index, type, payload, resultPayload, status, checkPayload = true) => {
      const jobs = offloadedChecks(type, payload, resultPayload, status, checker.inlineBudget, checkPayload)
      if (jobs.length === 0) return undefined
      const verdicts: { payload?: Verdict; result?: Verdict } = {}
      for (const job of jobs) {
        const key = `${index}:${job.target}`
        const verdict = answers.verdicts.get(key)
        if (verdict === undefined) pending.push({ key, ...job })
        verdicts[job.target] = verdict ?? unchecked(job.target, "checked outside the unit of work")
      }
      return verdicts
    },

    settle: <A, E, R>(attempt: (answers: Answers) => Effect.Effect<A, E | Pending, R>): Effect.Effect<A, Exclude<E, Pending>, R> => {
      const round = (answers: Answers, left: number): Effect.Effect<A, Exclude<E, Pending>, R> =>
        attempt(answers).pipe(
          Effect.catchIf(isPending, (pending) =>
            left === 0
              // The inputs do not change between rounds, so a round always has what the one
              // before it asked for: a further request is a bug, not an outcome.
              ? Effect.dieMessage("a unit of work kept asking for work outside it")
              : Effect.flatMap(work(pending, answers), (next) => round(next, left - 1))),
          // `catchIf` leaves `Pending` in the type only as `Exclude<E | Pending, Pending>` spells it.
          (effect): Effect.Effect<A, Exclude<E, Pending>, R> => effect
        )
      return round(noAnswers, rounds - 1)
    }
  }
}
