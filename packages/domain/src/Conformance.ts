/**
 * Conformance: does a span's payload match its type's params schema, and its result the result
 * schema, in the instance's schema version? The answer is recorded on the span and never blocks
 * it: a mismatch is a flag for review, the span is always stored.
 *
 * Definitions are user input and may be hostile. They are compiled once per schema version
 * (callers cache the compiled form by schema fingerprint) under bounds: at most 512 KiB and 64
 * levels per definition, no remote `$ref`, and `pattern` regexes run on RE2 (linear time, no
 * catastrophic backtracking). A definition that breaks a bound or does not compile is
 * `invalid_definition`: recorded, never thrown.
 */
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from "ajv"
import { Ajv2019 } from "ajv/dist/2019.js"
import { Ajv2020 } from "ajv/dist/2020.js"
import { Schema } from "effect"
import { RE2JS } from "re2js"
import type { ActivitySchema } from "./ActivitySchema.js"
import { depth } from "./Json.js"
import { Lru } from "./Lru.js"

export const ConformanceStatus = Schema.Literal(
  "conforms",
  "mismatch",
  "undeclared_type",
  "invalid_definition",
  "not_applicable"
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

export const DefinitionCheck = Schema.Struct({
  status: Schema.Literal("valid", "invalid"),
  message: Schema.NullOr(Schema.String)
}).annotations({ identifier: "DefinitionCheck" })
export type DefinitionCheck = typeof DefinitionCheck.Type

/** The validity of each definition of a schema version, by span type. */
export const DefinitionChecks = Schema.Record({
  key: Schema.String,
  value: Schema.Struct({ params: DefinitionCheck, result: DefinitionCheck })
}).annotations({ identifier: "DefinitionChecks" })
export type DefinitionChecks = typeof DefinitionChecks.Type

export const limits = {
  /** Errors kept per span (payload and result together). */
  errors: 20,
  /** Size of one definition, as JSON text. */
  definitionBytes: 512 * 1024,
  /** Nesting depth of one definition. */
  definitionDepth: 64,
  /** Length of a recorded compiler or validator message. */
  messageLength: 500
} as const

/**
 * `pattern` and `patternProperties` run on RE2: linear time whatever the regex. Ajv keys the
 * compiled patterns of a compiler by `toString()`, so each one must answer its own pattern.
 */
const linearRegExp = Object.assign(
  (pattern: string) => {
    const compiled = RE2JS.compile(RE2JS.translateRegExp(pattern))
    return { test: (text: string) => compiled.test(text), toString: () => pattern }
  },
  { code: "linearRegExp" }
)

const options: Options = {
  allErrors: true,
  strict: false,
  logger: false,
  validateFormats: false,
  code: { regExp: linearRegExp }
}

type Compiler = { readonly compile: (schema: object | boolean) => ValidateFunction; readonly removeSchema: (schema: object) => unknown }

let compilers: { draft07: Compiler; draft2019: Compiler; draft2020: Compiler } | undefined
const compilerFor = (definition: unknown): Compiler | string => {
  compilers ??= { draft07: new Ajv(options), draft2019: new Ajv2019(options), draft2020: new Ajv2020(options) }
  const dialect = typeof definition === "object" && definition !== null && "$schema" in definition
    ? definition.$schema
    : undefined
  if (dialect === undefined) return compilers.draft07
  if (typeof dialect !== "string") return "$schema must be a string"
  if (dialect.includes("draft-07")) return compilers.draft07
  if (dialect.includes("2019-09")) return compilers.draft2019
  if (dialect.includes("2020-12")) return compilers.draft2020
  return `unsupported $schema ${JSON.stringify(dialect).slice(0, 100)} (draft-07, 2019-09 and 2020-12 are supported)`
}

const clip = (text: string) => text.length > limits.messageLength ? `${text.slice(0, limits.messageLength)}…` : text

/** A definition compiled, or the reason it could not be. */
export interface CompiledDefinition {
  readonly check: DefinitionCheck
  readonly validate: ValidateFunction | undefined
}

const invalid = (message: string): CompiledDefinition => ({
  check: { status: "invalid", message: clip(message) },
  validate: undefined
})

/** Compiles one definition under the bounds; never throws. */
export const compileDefinition = (definition: unknown): CompiledDefinition => {
  if (typeof definition !== "boolean" && (typeof definition !== "object" || definition === null || Array.isArray(definition))) {
    return invalid("a definition must be a JSON Schema object or boolean")
  }
  const size = JSON.stringify(definition).length
  if (size > limits.definitionBytes) {
    return invalid(`the definition is ${size} bytes; at most ${limits.definitionBytes} are accepted`)
  }
  if (depth(definition) > limits.definitionDepth) {
    return invalid(`the definition nests deeper than ${limits.definitionDepth} levels`)
  }
  const compiler = compilerFor(definition)
  if (typeof compiler === "string") return invalid(compiler)
  try {
    const validate = compiler.compile(definition)
    return { check: { status: "valid", message: null }, validate }
  } catch (error) {
    return invalid(error instanceof Error ? error.message : String(error))
  } finally {
    // Keep the shared compilers from holding every schema ever compiled (and its `$id`).
    if (typeof definition === "object") compiler.removeSchema(definition)
  }
}

/** A schema version with every definition compiled: what a span decision needs. */
export interface CompiledActivitySchema {
  readonly types: ReadonlyMap<string, CompiledType>
  readonly checks: DefinitionChecks
}

export const compileActivitySchema = (schema: ActivitySchema): CompiledActivitySchema => {
  const types = new Map<string, { params: CompiledDefinition; result: CompiledDefinition }>()
  const checks: Record<string, { params: DefinitionCheck; result: DefinitionCheck }> = {}
  for (const [name, definition] of Object.entries(schema.span_type_schemas)) {
    const params = compileDefinition(definition.params_schema)
    const result = compileDefinition(definition.result_schema)
    types.set(name, { params, result })
    checks[name] = { params: params.check, result: result.check }
  }
  return { types, checks }
}

const toError = (target: "payload" | "result") => (error: ErrorObject): ConformanceError => ({
  target,
  instance_path: error.instancePath,
  keyword: error.keyword,
  message: clip(error.message ?? error.keyword)
})

const run = (
  definition: CompiledDefinition,
  value: unknown,
  target: "payload" | "result",
  errors: Array<ConformanceError>
): ConformanceStatus => {
  const validate = definition.validate
  if (validate === undefined) return "invalid_definition"
  let valid: boolean
  try {
    valid = validate(value) === true
  } catch (error) {
    // A validator can only throw on a pathological value (e.g. nesting that exhausts the stack).
    errors.push({ target, instance_path: "", keyword: "limit", message: clip(`not checkable: ${String(error)}`) })
    return "mismatch"
  }
  if (valid) return "conforms"
  for (const error of validate.errors ?? []) {
    if (errors.length >= limits.errors) break
    errors.push(toError(target)(error))
  }
  return "mismatch"
}

const noErrors: ReadonlyArray<ConformanceError> = []

/** The two compiled definitions of one span type. */
export interface CompiledType {
  readonly params: CompiledDefinition
  readonly result: CompiledDefinition
}

/**
 * Checks a span against its type's definitions (`undefined`: the type is not declared). The
 * result is checked when there is one and the span finished `complete` (the result schema
 * describes successful outputs; a failure report is not held to it).
 */
export const checkType = (
  type: CompiledType | undefined,
  payload: unknown,
  resultPayload: unknown,
  status: string
): SpanConformance => {
  const checkResult = resultPayload !== null && resultPayload !== undefined && status === "complete"
  if (type === undefined) {
    return { payload: "undeclared_type", result: checkResult ? "undeclared_type" : "not_applicable", errors: noErrors }
  }
  // Conforming spans, the common case, allocate nothing but the answer.
  const validatePayload = type.params.validate
  const validateResult = type.result.validate
  if (validatePayload !== undefined && (!checkResult || validateResult !== undefined)) {
    let quick = false
    try {
      quick = validatePayload(payload) === true && (!checkResult || validateResult?.(resultPayload) === true)
    } catch {
      quick = false
    }
    if (quick) return { payload: "conforms", result: checkResult ? "conforms" : "not_applicable", errors: noErrors }
  }
  const errors: Array<ConformanceError> = []
  const payloadStatus = run(type.params, payload, "payload", errors)
  const resultStatus = checkResult ? run(type.result, resultPayload, "result", errors) : "not_applicable"
  return { payload: payloadStatus, result: resultStatus, errors: errors.length === 0 ? noErrors : errors }
}

/** `checkType` for a span type named in a compiled schema version. */
export const checkSpan = (
  schema: CompiledActivitySchema,
  schemaName: string,
  payload: unknown,
  resultPayload: unknown,
  status: string
): SpanConformance => checkType(schema.types.get(schemaName), payload, resultPayload, status)

const isFlaggedStatus = (status: ConformanceStatus): boolean =>
  status === "mismatch" || status === "undeclared_type" || status === "invalid_definition"

/** A span is flagged for review when its payload or its result does not conform. */
export const isFlagged = (conformance: SpanConformance): boolean =>
  isFlaggedStatus(conformance.payload) || isFlaggedStatus(conformance.result)

/**
 * A bounded cache of compiled schema versions keyed by schema fingerprint, so each version is
 * compiled once however many spans it checks. Least recently used entries leave first.
 */
export class CompiledSchemaCache {
  private readonly entries: Lru<string, CompiledActivitySchema>
  constructor(readonly capacity = 512) {
    this.entries = new Lru(capacity)
  }

  get(fingerprint: string, schema: () => ActivitySchema): CompiledActivitySchema {
    return this.entries.getOrCompute(fingerprint, () => compileActivitySchema(schema()))
  }
}
