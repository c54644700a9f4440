/**
 * A pool of well-behaved JSON-Schema definitions (drafts 07, 2019-09 and 2020-12), an
 * independent Ajv validator for each, and payloads that straddle them: values near the pool's
 * boundaries mixed with arbitrary JSON. The conformance tests compare the domain's verdicts with
 * Ajv's on these.
 */
import { Ajv, type ValidateFunction } from "ajv"
import { Ajv2019 } from "ajv/dist/2019.js"
import { Ajv2020 } from "ajv/dist/2020.js"
import { FastCheck as fc } from "effect"
import { Json } from "@agentledger/domain"
import { jsonKey, jsonValue } from "../arbitraries.js"

/** Valid definitions across the three drafts, each a verdict Ajv and the domain must share. */
export const pool: ReadonlyArray<Json.Json> = [
  {},
  true,
  false,
  {
    type: "object",
    required: ["name"],
    properties: { name: { type: "string" }, age: { type: "integer", minimum: 0, maximum: 150 } },
    additionalProperties: false
  },
  { type: "object", properties: { kind: { enum: ["a", "b", 1, null] } } },
  {
    type: "object",
    properties: { tags: { type: "array", items: { type: "string", pattern: "^[a-z]+$" }, maxItems: 3, uniqueItems: true } }
  },
  { type: "object", properties: { age: { type: "number", exclusiveMinimum: 0, maximum: 10.5, multipleOf: 0.5 } } },
  { type: "object", properties: { name: { type: "string", minLength: 2, maxLength: 5, pattern: "^[A-Z]" } }, required: ["name", "age"] },
  { type: "object", patternProperties: { "^x-": { type: "integer" } }, additionalProperties: { type: "string" } },
  { anyOf: [{ type: "object", required: ["kind"] }, { type: "object", required: ["name"] }] },
  { type: "object", properties: { nested: { type: "object", properties: { deep: { type: "array", items: { type: ["integer", "null"] } } } } } },
  { not: { type: "object", required: ["extra"] } },
  { type: "object", minProperties: 1, maxProperties: 3, propertyNames: { pattern: "^[a-z]+$" } },
  { definitions: { pos: { type: "integer", minimum: 1 } }, type: "object", properties: { age: { $ref: "#/definitions/pos" } } },
  { $schema: "http://json-schema.org/draft-07/schema#", type: "object", properties: { name: { const: "x" } }, required: ["name"] },
  { type: "array", items: { type: "integer", minimum: -5, maximum: 5 } },
  { type: "string", pattern: "\\d{2,4}" },
  { type: "object", additionalProperties: { type: "boolean" } },
  {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    type: "object",
    properties: { tags: { type: "array", prefixItems: [{ type: "string" }], items: { type: "integer" } }, name: { type: "string" } },
    unevaluatedProperties: false,
    dependentRequired: { name: ["age"] }
  },
  {
    $schema: "https://json-schema.org/draft/2019-09/schema",
    type: "object",
    $defs: { small: { type: "number", maximum: 3 } },
    properties: { age: { $ref: "#/$defs/small" } },
    dependentSchemas: { kind: { required: ["name"] } }
  }
]

const fresh = { draft07: new Ajv({ allErrors: true, strict: false }), draft2019: new Ajv2019({ allErrors: true, strict: false }), draft2020: new Ajv2020({ allErrors: true, strict: false }) }

/** An independent validator for a pool definition, chosen by `$schema` like docs/domain.md asks. */
const independent = (definition: Json.Json): ValidateFunction => {
  const dialect = Json.isJsonObject(definition) ? definition["$schema"] : undefined
  const ajv = typeof dialect === "string" && dialect.includes("2020-12")
    ? fresh.draft2020
    : typeof dialect === "string" && dialect.includes("2019-09")
    ? fresh.draft2019
    : fresh.draft07
  if (typeof definition === "boolean" || Json.isJsonObject(definition)) return ajv.compile(definition)
  throw new Error("the pool holds only objects and booleans")
}

/** Ajv's validator of each pool definition, by index. */
export const independentValidators = pool.map(independent)

/** Values near the pool's boundaries, mixed with arbitrary JSON. */
const interestingLeaf: fc.Arbitrary<Json.Json> = fc.oneof(
  fc.constantFrom<Json.Json>(-1, 0, 0.5, 1, 3, 3.5, 10.5, 11, 150, 151, 1.25, "", "x", "ab", "Abc", "ABCDEF", "12", "123", "12345", "a", "b", null, true),
  fc.stringMatching(/^[a-zA-Z0-9]{0,6}$/),
  fc.integer({ min: -10, max: 200 })
)
const interestingKey = fc.oneof(fc.constantFrom("name", "age", "kind", "tags", "extra", "nested", "x-1", "x-y", "Z", "deep"), jsonKey)
const interestingValue: fc.Arbitrary<Json.Json> = fc.letrec<{ value: Json.Json; object: Json.JsonObject }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", maxDepth: 3 },
    interestingLeaf,
    fc.array(tie("value"), { maxLength: 5 }),
    tie("object"),
    jsonValue
  ),
  object: fc.dictionary(interestingKey, tie("value"), { maxKeys: 5 })
})).value
const interestingObject: fc.Arbitrary<Json.JsonObject> = fc.dictionary(interestingKey, interestingValue, { maxKeys: 6 })

/** Payloads for the pool: mostly objects with the pool's keys, sometimes any JSON value. */
export const payloadArb: fc.Arbitrary<Json.Json> = fc.oneof({ arbitrary: interestingObject, weight: 4 }, { arbitrary: interestingValue, weight: 1 })

/** An index into the pool. */
export const poolIndex = fc.nat({ max: pool.length - 1 })
