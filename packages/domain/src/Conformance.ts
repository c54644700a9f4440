/**
 * Conformance: does a span's payload match its type's params schema, and its result the result
 * schema, in the instance's schema version? The answer is recorded on the span and never blocks
 * it: a mismatch is a flag for review, the span is always stored.
 *
 * Definitions are compiled once per schema version (`Definition`; callers cache the compiled
 * form by schema fingerprint). A check whose cost bound (`CheckCost`) is past the caller's
 * budget is not run here: the caller has it run elsewhere (`SchemaChecker`) and passes its
 * verdict in, and a check that ran out of its budget there is recorded `unchecked`.
 */
import type { ValidateFunction } from "ajv"
import { Schema } from "effect"
import type { ActivitySchema } from "./ActivitySchema.js"
import { withinBudget } from "./CheckCost.js"
import { clip, compile, type CompiledDefinition, DefinitionCheck, type ValidationError } from "./Definition.js"
import { Lru } from "./Lru.js"

export { type CompiledDefinition, DefinitionCheck } from "./Definition.js"

export const ConformanceStatus = Schema.Literal(
  "conforms",
  "mismatch",
  "undeclared_type",
  "invalid_definition",
  "not_applicable",
  /** The check ran out of its time or memory budget, or could not be scheduled: flagged for review. */
  "unchecked"
)
export type ConformanceStatus = typeof ConformanceStatus.Type

export const ConformanceError = Schema.Struct({
  target: Schema.Literal("payload", "result"),
  instance_path: Schema.String,
  keyword: Schema.String,
  message: Schema.String
}).annotations({ identifier: "ConformanceError" })
export type ConformanceError = typeof ConformanceError.Type

export const SpanConformance = Schema.Struct({
  payload: ConformanceStatus,
  result: ConformanceStatus,
  errors: Schema.Array(ConformanceError)
}).annotations({ identifier: "SpanConformance" })
export type SpanConformance = typeof SpanConformance.Type

/** The validity of each definition of a schema version, by span type. */
export const DefinitionChecks = Schema.Record({
  key: Schema.String,
  value: Schema.Struct({ params: DefinitionCheck, result: DefinitionCheck })
}).annotations({ identifier: "DefinitionChecks" })
export type DefinitionChecks = typeof DefinitionChecks.Type

export const limits = {
  /** Errors kept per span (payload and result together). */
  errors: 20
} as const

/** Compiles one definition under the bounds of `Definition`; never throws. */
export const compileDefinition = (definition: unknown): CompiledDefinition => compile(definition)

export { clip, compile, compilePortable, instantiate, type PortableDefinition } from "./Definition.js"

/** A schema version with every definition compiled: what a span decision needs. */
export interface CompiledActivitySchema {
  readonly types: ReadonlyMap<string, CompiledType>
  readonly checks: DefinitionChecks
  /** What the compiled form weighs in a cache: its definitions' sizes (and their sources'). */
  readonly bytes: number
}

/** A schema version from its span types' compiled definitions. */
export const assemble = (types: ReadonlyMap<string, CompiledType>): CompiledActivitySchema => {
  const checks: Record<string, { params: DefinitionCheck; result: DefinitionCheck }> = {}
  let bytes = 0
  for (const [name, type] of types) {
    checks[name] = { params: type.params.check, result: type.result.check }
    bytes += type.params.bytes + type.result.bytes + name.length
  }
  return { types, checks, bytes }
}

/** Compiles every definition of a schema version in this thread. */
export const compileActivitySchema = (schema: ActivitySchema, withCost = false): CompiledActivitySchema => {
  const types = new Map<string, CompiledType>()
  for (const [name, definition] of Object.entries(schema.span_type_schemas)) {
    types.set(name, { params: compile(definition.params_schema, withCost), result: compile(definition.result_schema, withCost) })
  }
  return assemble(types)
}

const toError = (target: "payload" | "result") => (error: ValidationError): ConformanceError => ({
  target,
  instance_path: error.instancePath,
  keyword: error.keyword,
  message: clip(error.message ?? error.keyword)
})

/** The outcome of checking one value against one valid definition, wherever the check ran. */
export const Verdict = Schema.Struct({
  status: Schema.Literal("conforms", "mismatch", "unchecked"),
  errors: Schema.Array(ConformanceError)
}).annotations({ identifier: "Verdict" })
export type Verdict = typeof Verdict.Type

const noErrors: ReadonlyArray<ConformanceError> = []

/** The verdict of a compiled validator on a value; never throws. */
export const verdictOf = (validate: ValidateFunction, value: unknown, target: "payload" | "result"): Verdict => {
  let valid: boolean
  try {
    valid = validate(value) === true
  } catch (error) {
    // A validator can only throw on a pathological value (e.g. nesting that exhausts the stack).
    return { status: "mismatch", errors: [{ target, instance_path: "", keyword: "limit", message: clip(`not checkable: ${String(error)}`) }] }
  }
  if (valid) return { status: "conforms", errors: noErrors }
  return { status: "mismatch", errors: (validate.errors ?? []).slice(0, limits.errors).map(toError(target)) }
}

/** A check that ran out of its budget elsewhere, or could not be scheduled. */
export const unchecked = (target: "payload" | "result", reason: string): Verdict => ({
  status: "unchecked",
  errors: [{ target, instance_path: "", keyword: "budget", message: clip(reason) }]
})

/** Verdicts reached elsewhere for a span's payload and result, when the caller has them. */
export interface Offloaded {
  readonly payload?: Verdict | undefined
  readonly result?: Verdict | undefined
}

/** One check to run elsewhere: a valid definition and the value to hold to it. */
export interface CheckJob {
  readonly definition: unknown
  readonly value: unknown
  readonly target: "payload" | "result"
}

const run = (
  definition: CompiledDefinition,
  value: unknown,
  target: "payload" | "result",
  errors: Array<ConformanceError>,
  offloaded: Verdict | undefined
): ConformanceStatus => {
  if (definition.check.status === "invalid") return "invalid_definition"
  const validate = definition.validate
  const verdict = offloaded ?? (validate === undefined ? unchecked(target, "the check could not run in this process") : verdictOf(validate, value, target))
  for (const error of verdict.errors) {
    if (errors.length >= limits.errors) break
    errors.push(error)
  }
  return verdict.status
}

/** The two compiled definitions of one span type. */
export interface CompiledType {
  readonly params: CompiledDefinition
  readonly result: CompiledDefinition
}

const resultChecked = (resultPayload: unknown, status: string): boolean =>
  resultPayload !== null && resultPayload !== undefined && status === "complete"

const pastBudget = (definition: CompiledDefinition, value: unknown, budget: number): boolean =>
  definition.check.status === "valid" && (definition.validate === undefined || !withinBudget(definition.cost, value, budget))

/**
 * The checks of a span that are past `budget` units of work (`CheckCost`) and must run
 * elsewhere; none when the type is undeclared or its definitions are invalid.
 */
export const offloadedChecks = (
  type: CompiledType | undefined,
  payload: unknown,
  resultPayload: unknown,
  status: string,
  budget: number,
  /** False when only the result is checked (a span being finished). */
  checkPayload = true
): ReadonlyArray<CheckJob> => {
  if (type === undefined) return []
  const jobs: Array<CheckJob> = []
  if (checkPayload && pastBudget(type.params, payload, budget)) jobs.push({ definition: type.params.definition, value: payload, target: "payload" })
  if (resultChecked(resultPayload, status) && pastBudget(type.result, resultPayload, budget)) {
    jobs.push({ definition: type.result.definition, value: resultPayload, target: "result" })
  }
  return jobs
}

/**
 * Checks a span against its type's definitions (`undefined`: the type is not declared). The
 * result is checked when there is one and the span finished `complete` (the result schema
 * describes successful outputs; a failure report is not held to it). Verdicts reached
 * elsewhere (`offloaded`) stand in for the checks they answer.
 */
export const checkType = (
  type: CompiledType | undefined,
  payload: unknown,
  resultPayload: unknown,
  status: string,
  offloaded?: Offloaded
): SpanConformance => {
  const checkResult = resultChecked(resultPayload, status)
  if (type === undefined) {
    return { payload: "undeclared_type", result: checkResult ? "undeclared_type" : "not_applicable", errors: noErrors }
  }
  // Conforming spans, the common case, allocate nothing but the answer.
  const validatePayload = type.params.validate
  const validateResult = type.result.validate
  if (offloaded === undefined && validatePayload !== undefined && (!checkResult || validateResult !== undefined)) {
    let quick = false
    try {
      quick = validatePayload(payload) === true && (!checkResult || validateResult?.(resultPayload) === true)
    } catch {
      quick = false
    }
    if (quick) return { payload: "conforms", result: checkResult ? "conforms" : "not_applicable", errors: noErrors }
  }
  const errors: Array<ConformanceError> = []
  const payloadStatus = run(type.params, payload, "payload", errors, offloaded?.payload)
  const resultStatus = checkResult ? run(type.result, resultPayload, "result", errors, offloaded?.result) : "not_applicable"
  return { payload: payloadStatus, result: resultStatus, errors: errors.length === 0 ? noErrors : errors }
}

/** `checkType` for a span type named in a compiled schema version. */
export const checkSpan = (
  schema: CompiledActivitySchema,
  schemaName: string,
  payload: unknown,
  resultPayload: unknown,
  status: string,
  offloaded?: Offloaded
): SpanConformance => checkType(schema.types.get(schemaName), payload, resultPayload, status, offloaded)

/** The outcomes that flag a span for review: every one but `conforms` and `not_applicable`. */
export const flaggedStatuses: ReadonlyArray<ConformanceStatus> = ["mismatch", "undeclared_type", "invalid_definition", "unchecked"]

const isFlaggedStatus = (status: ConformanceStatus): boolean =>
  status === "mismatch" || status === "undeclared_type" || status === "invalid_definition" || status === "unchecked"

/** A span is flagged for review when its payload or its result does not conform. */
export const isFlagged = (conformance: Pick<SpanConformance, "payload" | "result">): boolean =>
  isFlaggedStatus(conformance.payload) || isFlaggedStatus(conformance.result)

/**
 * A cache of compiled schema versions keyed by schema fingerprint, so each version is compiled
 * once however many spans it checks. Bounded by entries and by the bytes of what they compiled
 * (one hostile version can be large); least recently used entries leave first.
 */
export class CompiledSchemaCache {
  private readonly entries: Lru<string, CompiledActivitySchema>
  constructor(readonly capacity = 512, readonly maxBytes = 64 * 1024 * 1024) {
    this.entries = new Lru(capacity, (compiled) => compiled.bytes, maxBytes)
  }

  get(fingerprint: string): CompiledActivitySchema | undefined {
    return this.entries.get(fingerprint)
  }

  set(fingerprint: string, compiled: CompiledActivitySchema): CompiledActivitySchema {
    return this.entries.set(fingerprint, compiled)
  }

  /** What the cache holds, in bytes of compiled definitions. */
  get bytes(): number {
    return this.entries.weight
  }
}
