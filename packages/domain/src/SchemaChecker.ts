/**
 * The port that compiles span type definitions and runs the checks too costly to run inline.
 *
 * A span decision checks its payload in the caller's thread when the check's cost bound
 * (`CheckCost`) is within `inlineBudget`; every other check is handed to `check`, outside any
 * unit of work, and its verdict passed into the decision. The default implementation does
 * everything in this thread with no budget: right for a process that trusts its schemas (an
 * embedding service checking its own agents). A server that takes schemas from tenants provides
 * one that compiles and checks in worker threads under time and memory budgets
 * (`@agentledger/checker-worker`), so no definition can stall or end the serving process.
 */
import { Context, Effect } from "effect"
import type { ActivitySchema } from "./ActivitySchema.js"
import { type CheckJob, type CompiledActivitySchema, compileActivitySchema, type Verdict, verdictOf } from "./Conformance.js"
import { compile } from "./Definition.js"

export interface SchemaCheckerShape {
  /**
   * Units of work (`CheckCost`) a check may take in the caller's thread; checks past it go to
   * `check`. `Infinity`: every check runs inline.
   */
  readonly inlineBudget: number
  /** Compiles every definition of a schema version, each in isolation; never fails. */
  readonly compile: (schema: ActivitySchema) => Effect.Effect<CompiledActivitySchema>
  /** Runs checks; a check past its budget answers `unchecked`; never fails. */
  readonly check: (jobs: ReadonlyArray<CheckJob>) => Effect.Effect<ReadonlyArray<Verdict>>
}

/** Compiles and checks in the caller's thread, with no budget. */
export const inThread: SchemaCheckerShape = {
  inlineBudget: Infinity,
  compile: (schema) => Effect.sync(() => compileActivitySchema(schema)),
  check: (jobs) =>
    Effect.sync(() =>
      jobs.map((job) => {
        const compiled = compile(job.definition)
        return compiled.validate === undefined
          ? { status: "mismatch" as const, errors: [] }
          : verdictOf(compiled.validate, job.value, job.target)
      })
    )
}

export class SchemaChecker extends Context.Reference<SchemaChecker>()("@agentledger/domain/SchemaChecker", {
  defaultValue: (): SchemaCheckerShape => inThread
}) {}
