/** Spans as tests write them: a GenAI span with defaults, attributes from plain values. */
import { Model } from "@agentledger/otlp"

type Plain = string | number | boolean | bigint | ReadonlyArray<Plain> | { readonly [key: string]: Plain }

/** A plain value as an attribute value: integers as `int`, other numbers as `double`, objects as key-value lists. */
export const value = (plain: Plain): Model.AnyValue => {
  if (typeof plain === "string") return { _tag: "string", value: plain }
  if (typeof plain === "boolean") return { _tag: "bool", value: plain }
  if (typeof plain === "bigint") return { _tag: "int", value: plain }
  if (typeof plain === "number") return Number.isInteger(plain) ? { _tag: "int", value: BigInt(plain) } : { _tag: "double", value: plain }
  if (Array.isArray(plain)) return { _tag: "array", values: plain.map(value) }
  return { _tag: "kvlist", values: Object.entries(plain).map(([key, item]) => ({ key, value: value(item) })) }
}

export const attributes = (plain: { readonly [key: string]: Plain }): ReadonlyArray<Model.KeyValue> =>
  Object.entries(plain).map(([key, item]) => ({ key, value: value(item) }))

export const traceId = "5b8efff798038103d269b633813fc60c"

export const span = (changes: Partial<Model.Span> = {}): Model.Span => ({
  ...Model.emptySpan(),
  traceId,
  spanId: "eee19b7ec3c1b174",
  name: "chat gpt-4o",
  kind: 3,
  startTimeUnixNano: 1_796_553_240_521_000_123n,
  endTimeUnixNano: 1_796_553_241_021_665_249n,
  flags: 0x101,
  ...changes
})

export const scope: Model.Scope = { name: "test", version: "0.0.1", attributes: [], droppedAttributesCount: 0 }
