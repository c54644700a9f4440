/**
 * The bounds of one export request. A request past one is refused whole, before anything is
 * recorded: the body (as sent and after gunzip) with 413, the rest with 400. Each bound keeps a
 * hostile body from costing more memory or time than its bytes: `AnyValue` nests without limit
 * in the schema, and a few bytes of protobuf can claim millions of empty elements.
 */

export interface Limits {
  /** The most bytes of a body, as sent and again after gunzip. */
  readonly maxBodyBytes: number
  /** The deepest nesting of an attribute value (an array or key-value list inside another counts one). */
  readonly maxDepth: number
  /** The most spans in a request. */
  readonly maxSpans: number
  /** The most entries in one list of attributes, of an array value or of a key-value list value. */
  readonly maxAttributes: number
  /** The most events of a span. */
  readonly maxEvents: number
  /** The most links of a span. */
  readonly maxLinks: number
  /** The most elements — spans, events, links, attributes, values — in a request. */
  readonly maxElements: number
  /** The most UTF-8 bytes of one string or bytes value. */
  readonly maxStringBytes: number
}

export const defaults: Limits = {
  maxBodyBytes: 16 * 1024 * 1024,
  maxDepth: 32,
  maxSpans: 10_000,
  maxAttributes: 1_024,
  maxEvents: 1_024,
  maxLinks: 1_024,
  maxElements: 262_144,
  maxStringBytes: 4 * 1024 * 1024
}

/** The limits with every one not given at its default. */
export const resolve = (given: Partial<Limits> = {}): Limits => ({ ...defaults, ...given })
