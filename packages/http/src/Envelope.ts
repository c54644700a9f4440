/**
 * The Prefactor API's envelopes as Schemas: what travels is `{status:"success", details}` and
 * lists with `summaries`, `pagination` and `sorting` (errors are in `ApiError.ts`). Envelopes are
 * plain Structs that handlers fill with `ok` / `summaries` and the client empties with `paged`;
 * resources are transformations between a domain record and its wire form (`type` and derived
 * fields added), so one contract both encodes (server) and decodes (client) them.
 */
import { type Paged, Page } from "@agentledger/domain"
import { ParseResult, Schema } from "effect"

/** `{status:"success", details: <resource>}`: what every single-record answer looks like. */
export const Details = <S extends Schema.Schema.AnyNoContext>(resource: S) =>
  Schema.Struct({ status: Schema.Literal("success"), details: resource })

/** The envelope of `details`. */
export const ok = <A>(details: A): { readonly status: "success"; readonly details: A } => ({ status: "success", details })

const Sorting = Schema.Struct({ field: Schema.String, direction: Page.SortDirection })

/** A page of a list: `{status:"success", summaries, pagination, sorting}`. */
export const List = <S extends Schema.Schema.AnyNoContext>(item: S) =>
  Schema.Struct({
    status: Schema.Literal("success"),
    summaries: Schema.Array(item),
    pagination: Page.Pagination,
    sorting: Sorting
  })

export interface ListEnvelope<A> {
  readonly status: "success"
  readonly summaries: ReadonlyArray<A>
  readonly pagination: Page.Pagination
  readonly sorting: Paged<A>["sorting"]
}

/** The envelope of a page. */
export const summaries = <A>(page: Paged<A>): ListEnvelope<A> => ({
  status: "success",
  summaries: page.items,
  pagination: page.pagination,
  sorting: page.sorting
})

/** The page inside an envelope. */
export const paged = <A>(envelope: ListEnvelope<A>): Paged<A> => ({
  items: envelope.summaries,
  pagination: envelope.pagination,
  sorting: envelope.sorting
})

/**
 * A domain record as a Prefactor resource: its fields plus `type` and any fields derived from it
 * for the wire (`derived`). Decoding keeps only the record's own fields.
 */
export const Resource = <const Type extends string, Fields extends Schema.Struct.Fields, Derived extends Schema.Struct.Fields>(
  type: Type,
  fields: Fields,
  derived: { readonly fields: Derived; readonly derive: (value: Schema.Schema.Type<Schema.Struct<Fields>>) => Schema.Struct.Type<Derived> }
) => {
  const Value = Schema.typeSchema(Schema.Struct(fields))
  const Wire = Schema.Struct({ type: Schema.Literal(type), ...fields, ...derived.fields })
  const toValue = ParseResult.decodeUnknown(Value)
  const toWire = ParseResult.decodeUnknown(Schema.typeSchema(Wire))
  return Schema.transformOrFail(Wire, Value, {
    strict: true,
    decode: (wire) => toValue(wire),
    encode: (value) => toWire(Object.assign({}, value, derived.derive(value), { type }))
  }).annotations({ identifier: type })
}

const nothing = { fields: {}, derive: () => ({}) }

/** A resource with no derived fields. */
export const PlainResource = <const Type extends string, Fields extends Schema.Struct.Fields>(type: Type, fields: Fields) =>
  Resource(type, fields, nothing)
