/**
 * The activity schema an agent reports when a run registers: which span types it emits and the
 * JSON Schema of each type's params (payload) and result. Three input forms may be mixed —
 * `span_schemas`, `span_result_schemas` and `span_type_schemas` — and are merged here into one
 * canonical definition map, so that the form chosen never changes what is stored or its
 * fingerprint.
 */
import { Either, Schema } from "effect"
import { DataRisk } from "./DataRisk.js"
import { fingerprintOf } from "./Digest.js"
import { InvalidInput } from "./Errors.js"
import { Json } from "./Json.js"

const JsonSchemaMap = Schema.Record({ key: Schema.String, value: Json })

export const SpanTypeSchemaInput = Schema.Struct({
  name: Schema.String,
  params_schema: Schema.optional(Json),
  result_schema: Schema.optional(Json),
  title: Schema.optional(Schema.NullOr(Schema.String)),
  description: Schema.optional(Schema.NullOr(Schema.String)),
  template: Schema.optional(Schema.NullOr(Schema.String)),
  result_template: Schema.optional(Schema.NullOr(Schema.String)),
  data_risk: Schema.optional(Schema.NullOr(DataRisk))
}).annotations({ identifier: "SpanTypeSchemaInput" })
export type SpanTypeSchemaInput = typeof SpanTypeSchemaInput.Type

/** The `agent_schema_version` block of a register call, in any of its three forms. */
export const ActivitySchemaInput = Schema.Struct({
  external_identifier: Schema.optional(Schema.NullOr(Schema.String)),
  span_schemas: Schema.optional(Schema.NullOr(JsonSchemaMap)),
  span_result_schemas: Schema.optional(Schema.NullOr(JsonSchemaMap)),
  span_type_schemas: Schema.optional(Schema.NullOr(Schema.Array(SpanTypeSchemaInput)))
}).annotations({ identifier: "ActivitySchemaInput" })
export type ActivitySchemaInput = typeof ActivitySchemaInput.Type

/** One span type after normalization: every field present, defaults filled. */
export const SpanTypeDefinition = Schema.Struct({
  name: Schema.String,
  params_schema: Json,
  result_schema: Json,
  title: Schema.String,
  description: Schema.NullOr(Schema.String),
  template: Schema.NullOr(Schema.String),
  result_template: Schema.NullOr(Schema.String),
  data_risk: DataRisk
}).annotations({ identifier: "SpanTypeDefinition" })
export type SpanTypeDefinition = typeof SpanTypeDefinition.Type

export const SpanTypeDefinitions = Schema.Record({ key: Schema.String, value: SpanTypeDefinition })
export type SpanTypeDefinitions = typeof SpanTypeDefinitions.Type

/** The canonical activity schema: what is fingerprinted and stored on a schema version. */
export const ActivitySchema = Schema.Struct({
  external_identifier: Schema.NullOr(Schema.String),
  span_type_schemas: SpanTypeDefinitions
}).annotations({ identifier: "ActivitySchema" })
export type ActivitySchema = typeof ActivitySchema.Type

export const maxSpanTypeNameLength = 200

const permissive: Json = {}

/** A map's own entry: names such as `constructor` must not reach inherited members. */
const own = <A>(map: { readonly [key: string]: A }, key: string): A | undefined =>
  Object.hasOwn(map, key) ? map[key] : undefined

/**
 * Merges the three input forms into one definition map. Where two forms define the same part
 * of a type, the `span_type_schemas` entry wins (it is the most explicit form); the map forms
 * fill what it leaves out; an omitted params or result schema is `{}` (anything conforms).
 * Names must be 1–200 characters and unique within `span_type_schemas`.
 */
export const normalize = (input: ActivitySchemaInput): Either.Either<ActivitySchema, InvalidInput> => {
  const params = input.span_schemas ?? {}
  const results = input.span_result_schemas ?? {}
  const listed = new Map<string, SpanTypeSchemaInput>()
  const errors: Record<string, Array<string>> = {}
  const complain = (field: string, message: string) => {
    ;(errors[field] ??= []).push(message)
  }
  for (const [index, entry] of (input.span_type_schemas ?? []).entries()) {
    if (listed.has(entry.name)) complain(`span_type_schemas.${index}.name`, `duplicate span type "${entry.name}"`)
    listed.set(entry.name, entry)
  }
  const names = new Set([...Object.keys(params), ...Object.keys(results), ...listed.keys()])
  const span_type_schemas: Record<string, SpanTypeDefinition> = {}
  for (const name of [...names].sort()) {
    if (name.length === 0 || name.length > maxSpanTypeNameLength) {
      complain("span_type_schemas", `span type names must be 1–${maxSpanTypeNameLength} characters`)
      continue
    }
    if (name === "__proto__") {
      complain("span_type_schemas", "\"__proto__\" is not a span type name")
      continue
    }
    const entry = listed.get(name)
    span_type_schemas[name] = {
      name,
      params_schema: entry?.params_schema ?? own(params, name) ?? permissive,
      result_schema: entry?.result_schema ?? own(results, name) ?? permissive,
      title: entry?.title ?? name,
      description: entry?.description ?? null,
      template: entry?.template ?? null,
      result_template: entry?.result_template ?? null,
      data_risk: entry?.data_risk ?? Schema.decodeSync(DataRisk)({})
    }
  }
  if (Object.keys(errors).length > 0) {
    return Either.left(new InvalidInput({ message: "the activity schema is not valid", errors }))
  }
  return Either.right({ external_identifier: input.external_identifier ?? null, span_type_schemas })
}

/** A `data_risk` block without its `unknown` flags: `unknown` is the default, so it is not content. */
const sparse = (block: Readonly<Record<string, string>>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(block)) if (value !== "unknown") out[key] = value
  return out
}

/**
 * SHA-256 of the JCS-canonical normalized schema plus its external identifier. Declarations of
 * `unknown` (the default of every data-risk flag) are left out of the hashed text: they carry no
 * content, and they were more than half of its bytes.
 */
export const schemaFingerprint = (schema: ActivitySchema): string => {
  const span_type_schemas: Record<string, unknown> = {}
  for (const [name, definition] of Object.entries(schema.span_type_schemas)) {
    span_type_schemas[name] = {
      ...definition,
      data_risk: {
        action_profile: sparse(definition.data_risk.action_profile),
        params_data_categories: sparse(definition.data_risk.params_data_categories),
        result_data_categories: sparse(definition.data_risk.result_data_categories)
      }
    }
  }
  return fingerprintOf({ external_identifier: schema.external_identifier, span_type_schemas })
}

/** The empty schema: a run that reports none still gets a schema version, with no types. */
export const emptyActivitySchema: ActivitySchema = { external_identifier: null, span_type_schemas: {} }
