/**
 * One span type definition compiled into a validator. Definitions are tenant input, and a
 * JSON Schema compiler is an interpreter of it, so compiling is bounded and isolated:
 *
 * - at most 512 KiB and 64 levels per definition, no remote `$ref`, `pattern` on RE2 (linear
 *   time, no catastrophic backtracking);
 * - every compilation has compilers of its own: nothing a definition registers (a nested `$id`,
 *   a meta-schema) is seen by another definition, another schema version or another account,
 *   and nothing outlives the compilation;
 * - `$async` (and anything else whose validator does not answer synchronously) is invalid: a
 *   validator that returns a Promise would be read as neither true nor false;
 * - `$ref`s are compiled as functions, not inlined, so the generated code grows with the
 *   definition, not with the number of paths through it.
 *
 * A definition that breaks a bound or does not compile is `invalid`: recorded, never thrown.
 * A compilation can also emit the validator as source (`standalone`), which another thread can
 * turn back into the same validator (`instantiate`) in a fraction of the time compiling took.
 */
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from "ajv"
import { Ajv2019 } from "ajv/dist/2019.js"
import { Ajv2020 } from "ajv/dist/2020.js"
import * as equalModule from "ajv/dist/runtime/equal.js"
import * as ucs2lengthModule from "ajv/dist/runtime/ucs2length.js"
import * as standaloneModule from "ajv/dist/standalone/index.js"
import { Schema } from "effect"
import { RE2JS } from "re2js"
import { type DefinitionCost, definitionCost } from "./CheckCost.js"
import { depth } from "./Json.js"

export const DefinitionCheck = Schema.Struct({
  status: Schema.Literal("valid", "invalid"),
  message: Schema.NullOr(Schema.String)
}).annotations({ identifier: "DefinitionCheck" })
export type DefinitionCheck = typeof DefinitionCheck.Type

export const limits = {
  /** Size of one definition, as JSON text. */
  definitionBytes: 512 * 1024,
  /** Nesting depth of one definition. */
  definitionDepth: 64,
  /** Length of a recorded compiler or validator message. */
  messageLength: 500
} as const

export const clip = (text: string) => text.length > limits.messageLength ? `${text.slice(0, limits.messageLength)}…` : text

/**
 * `pattern` and `patternProperties` run on RE2: linear time whatever the regex. Ajv keys the
 * compiled patterns of a compiler by `toString()`, so each one must answer its own pattern.
 * `code` names it in standalone source, where `instantiate` supplies it.
 */
const linearRegExp = Object.assign(
  (pattern: string) => {
    const compiled = RE2JS.compile(RE2JS.translateRegExp(pattern))
    return { test: (text: string) => compiled.test(text), toString: () => pattern }
  },
  { code: "linearRegExp" }
)

const options = (source: boolean): Options => ({
  allErrors: true,
  strict: false,
  logger: false,
  validateFormats: false,
  inlineRefs: false,
  // Checked once against the dialect's meta-schema by a compiler that keeps nothing of it.
  validateSchema: false,
  code: { regExp: linearRegExp, source }
})

type Dialect = "draft07" | "draft2019" | "draft2020"

const dialectOf = (definition: unknown): Dialect | string => {
  const dialect = typeof definition === "object" && definition !== null && "$schema" in definition
    ? definition.$schema
    : undefined
  if (dialect === undefined) return "draft07"
  if (typeof dialect !== "string") return "$schema must be a string"
  if (dialect.includes("draft-07")) return "draft07"
  if (dialect.includes("2019-09")) return "draft2019"
  if (dialect.includes("2020-12")) return "draft2020"
  return `unsupported $schema ${JSON.stringify(dialect).slice(0, 100)} (draft-07, 2019-09 and 2020-12 are supported)`
}

const newCompiler = (dialect: Dialect, source: boolean): Ajv => {
  switch (dialect) {
    case "draft07":
      return new Ajv(options(source))
    case "draft2019":
      return new Ajv2019(options(source))
    case "draft2020":
      return new Ajv2020(options(source))
  }
}

/**
 * Meta-schema checks: `validateSchema` reads a definition against the dialect's meta-schema and
 * registers nothing, so one checker per dialect serves every definition.
 */
let metaCheckers: Partial<Record<Dialect, Ajv>> = {}
const metaCheck = (dialect: Dialect, definition: object | boolean): string | null => {
  const checker = metaCheckers[dialect] ??= newCompiler(dialect, false)
  const valid = checker.validateSchema(definition)
  if (valid === true) return null
  return `the definition is not a valid JSON Schema: ${checker.errorsText(checker.errors)}`
}

/** Drops the meta-schema checkers (tests that count what compilation retains). */
export const resetMetaCheckers = () => {
  metaCheckers = {}
}

/** A definition compiled, or the reason it could not be. */
export interface CompiledDefinition {
  readonly check: DefinitionCheck
  /** The validator, when it runs in this thread. */
  readonly validate: ValidateFunction | undefined
  /** The definition itself, for a check that runs elsewhere. */
  readonly definition: unknown
  /** What checking a value against it can cost. */
  readonly cost: DefinitionCost
  /** The definition's size as JSON text: what a cache of compiled definitions weighs it by. */
  readonly bytes: number
}

/** What a compilation can hand to another thread: the verdict, the cost, and the source. */
export interface PortableDefinition {
  readonly check: DefinitionCheck
  readonly cost: DefinitionCost
  readonly bytes: number
  /** The validator as standalone source; null when invalid. */
  readonly code: string | null
}

const noCost: DefinitionCost = { weights: [1], scans: [0], quadratic: false }

const invalid = (definition: unknown, message: string, bytes: number): CompiledDefinition => ({
  check: { status: "invalid", message: clip(message) },
  validate: undefined,
  definition,
  cost: noCost,
  bytes
})

/** Ajv's standalone code generator, however the loader wrapped the CommonJS module. */
const standaloneCode = (compiler: Ajv, validate: ValidateFunction): string => {
  const generate = functionOf(standaloneModule)
  if (typeof generate !== "function") throw new Error("ajv/dist/standalone did not load as a function")
  const code: unknown = generate(compiler, validate)
  if (typeof code !== "string") throw new Error("ajv/dist/standalone returned no source")
  return code
}

const isAsync = (validate: ValidateFunction): boolean => Reflect.get(validate, "$async") === true

/**
 * Compiles one definition under the bounds; never throws. `withCost` also works out its cost
 * model (`CheckCost`), which a host needs only when it keeps expensive checks off-thread.
 */
export const compile = (definition: unknown, withCost = false): CompiledDefinition => compileWith(definition, withCost, false).compiled

const compileWith = (
  definition: unknown,
  withCost: boolean,
  source: boolean
): { readonly compiled: CompiledDefinition; readonly code: string | null } => {
  if (typeof definition !== "boolean" && (typeof definition !== "object" || definition === null || Array.isArray(definition))) {
    return { compiled: invalid(definition, "a definition must be a JSON Schema object or boolean", 0), code: null }
  }
  const bytes = JSON.stringify(definition).length
  if (bytes > limits.definitionBytes) {
    return { compiled: invalid(definition, `the definition is ${bytes} bytes; at most ${limits.definitionBytes} are accepted`, bytes), code: null }
  }
  if (depth(definition) > limits.definitionDepth) {
    return { compiled: invalid(definition, `the definition nests deeper than ${limits.definitionDepth} levels`, bytes), code: null }
  }
  const dialect = dialectOf(definition)
  if (!(dialect === "draft07" || dialect === "draft2019" || dialect === "draft2020")) {
    return { compiled: invalid(definition, dialect, bytes), code: null }
  }
  try {
    const refused = metaCheck(dialect, definition)
    if (refused !== null) return { compiled: invalid(definition, refused, bytes), code: null }
    const compiler = newCompiler(dialect, source)
    const validate = compiler.compile(definition)
    if (isAsync(validate)) {
      return { compiled: invalid(definition, "$async definitions are not accepted: a span is checked as it is recorded", bytes), code: null }
    }
    const compiled: CompiledDefinition = {
      check: { status: "valid", message: null },
      validate,
      definition,
      cost: withCost ? definitionCost(definition) : noCost,
      bytes
    }
    return { compiled, code: source ? standaloneCode(compiler, validate) : null }
  } catch (error) {
    return { compiled: invalid(definition, error instanceof Error ? error.message : String(error), bytes), code: null }
  }
}

/** Compiles a definition for another thread: its verdict, cost model and standalone source. */
export const compilePortable = (definition: unknown): PortableDefinition => {
  const { code, compiled } = compileWith(definition, true, true)
  return { check: compiled.check, cost: compiled.cost, bytes: compiled.bytes, code }
}

/** Standalone validators this size or smaller are turned back into functions in the caller's thread. */
export const instantiableCodeBytes = 64 * 1024

/** A CommonJS module's function, however the loader wrapped its `default` export. */
function functionOf(module: unknown): unknown {
  let value = module
  for (let hops = 0; hops < 3 && typeof value === "object" && value !== null && "default" in value; hops++) value = value.default
  return value
}

/** What standalone source `require`s: Ajv's runtime helpers, by the names Ajv gives them. */
const runtime: Readonly<Record<string, unknown>> = {
  "ajv/dist/runtime/equal": functionOf(equalModule),
  "ajv/dist/runtime/ucs2length": functionOf(ucs2lengthModule)
}

const isValidateFunction = (value: unknown): value is ValidateFunction => typeof value === "function"

/**
 * A portable definition back as a `CompiledDefinition`. The validator is rebuilt from its
 * source when the source is small enough to load within a few milliseconds; otherwise the
 * definition's checks always run where it was compiled (`validate` undefined, cost infinite).
 */
export const instantiate = (definition: unknown, portable: PortableDefinition): CompiledDefinition => {
  if (portable.check.status === "invalid" || portable.code === null) {
    return { check: portable.check, validate: undefined, definition, cost: portable.cost, bytes: portable.bytes }
  }
  const offThread: CompiledDefinition = {
    check: portable.check,
    validate: undefined,
    definition,
    cost: { weights: [Infinity], scans: [Infinity], quadratic: false },
    bytes: portable.bytes + portable.code.length
  }
  if (portable.code.length > instantiableCodeBytes) return offThread
  const module: { exports: unknown } = { exports: undefined }
  const require = (name: string): unknown => {
    const helper = runtime[name]
    return typeof helper === "function" ? { default: helper } : helper
  }
  // The source is Ajv's own output for a definition compiled under the bounds above, made by
  // this code in another thread; it is as trusted as the validator `compile` would return.
  new Function("require", "module", "exports", "linearRegExp", portable.code)(require, module, {}, linearRegExp)
  const validate = module.exports
  if (!isValidateFunction(validate)) return offThread
  return { ...offThread, validate, cost: portable.cost }
}

/** A validator's errors, as Ajv reports them. */
export type ValidationError = ErrorObject
