/**
 * The protobuf wire format, read with bounds: varints of at most ten bytes, lengths within what
 * is left, field numbers from 1, and a budget of elements and string bytes (`Limits.ts`).
 *
 * A reader fails without throwing: `fail` records the first reason and moves the position to the
 * end of the input, so every loop over fields (`while (reader.pos < end)`) stops at once, and the
 * decoder returns the reason at its entry (`proto/Decode.ts`). The values read after a failure
 * are zeros, and are never used.
 */
import type { Limits } from "../Limits.js"
import { fromUtf8 } from "../Text.js"

/** The wire types of a field's tag. */
export const wire = { varint: 0, i64: 1, len: 2, startGroup: 3, endGroup: 4, i32: 5 } as const

export interface Reader {
  /** The input, as a `Buffer` over the same memory: its native UTF-8 and hex decoders read strings and ids. */
  readonly bytes: Buffer
  readonly view: DataView
  readonly limits: Limits
  pos: number
  /** The first reason the input was refused; once set, the reader is at its end. */
  failure: string | undefined
  /** Elements decoded so far, against `limits.maxElements`. */
  elements: number
  /** The low and high 32 bits of the last varint read. */
  lo: number
  hi: number
}

export const reader = (bytes: Uint8Array, limits: Limits): Reader => ({
  bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  limits,
  pos: 0,
  failure: undefined,
  elements: 0,
  lo: 0,
  hi: 0
})

/** Refuses the input: the first reason stays, and the reader moves to its end. */
export const fail = (r: Reader, reason: string): void => {
  r.failure ??= reason
  r.pos = r.bytes.length
}

/** Counts one more element against the budget. */
export const count = (r: Reader): void => {
  if (++r.elements > r.limits.maxElements) fail(r, `the request holds more than ${r.limits.maxElements} elements`)
}

/**
 * Reads a varint into `lo` and `hi`. Ten bytes at most, the tenth carrying the 64th bit only;
 * padded (non-minimal) encodings are accepted, as protobuf accepts them.
 */
export const varint = (r: Reader): void => {
  const bytes = r.bytes
  let pos = r.pos
  const first = bytes[pos]
  if (first !== undefined && first < 0x80) {
    r.lo = first
    r.hi = 0
    r.pos = pos + 1
    return
  }
  let lo = 0
  let hi = 0
  for (let index = 0; index < 10; index++) {
    const byte = bytes[pos++]
    if (byte === undefined) return fail(r, "a varint runs past the end of its message")
    const bits = byte & 0x7f
    if (index < 4) lo |= bits << (7 * index)
    else if (index === 4) {
      lo |= (bits & 0x0f) << 28
      hi = bits >> 4
    } else if (index < 9) hi |= bits << (7 * index - 32)
    else if (bits > 1) return fail(r, "a varint overflows 64 bits")
    else hi |= bits << 31
    if (byte < 0x80) {
      r.lo = lo >>> 0
      r.hi = hi >>> 0
      r.pos = pos
      return
    }
  }
  fail(r, "a varint is longer than ten bytes")
}

/** A varint that must be a non-negative number below 2^31: a tag or a length. */
const small = (r: Reader, what: string): number => {
  varint(r)
  if (r.hi !== 0 || r.lo > 0x7fffffff) {
    fail(r, `${what} is out of range`)
    return 0
  }
  return r.lo
}

/** A field's tag: its number times eight plus its wire type; field 0 is refused. */
export const tag = (r: Reader): number => {
  const value = small(r, "a field tag")
  if (value >>> 3 === 0 && r.failure === undefined) fail(r, "a field number is 0")
  return value
}

/** A `uint32` (or an enum) field: the low 32 bits of the varint, as protobuf truncates. */
export const uint32 = (r: Reader): number => {
  varint(r)
  return r.lo
}

/** An `int32` (or an enum) field: the low 32 bits, signed. */
export const int32 = (r: Reader): number => {
  varint(r)
  return r.lo | 0
}

/** An `int64` field: two's complement over 64 bits (not zigzag). */
export const int64 = (r: Reader): bigint => {
  varint(r)
  return BigInt.asIntN(64, (BigInt(r.hi) << 32n) | BigInt(r.lo))
}

export const bool = (r: Reader): boolean => {
  varint(r)
  return r.lo !== 0 || r.hi !== 0
}

/** Whether `length` more bytes lie within the window ending at `end`; otherwise the input is refused. */
const need = (r: Reader, length: number, end: number): boolean => {
  if (r.pos + length <= end) return true
  fail(r, "a field runs past the end of its message")
  return false
}

/** A `fixed64` field, unsigned: nanoseconds since the epoch pass 2^53. */
export const fixed64 = (r: Reader, end: number): bigint => {
  if (!need(r, 8, end)) return 0n
  const value = r.view.getBigUint64(r.pos, true)
  r.pos += 8
  return value
}

export const double = (r: Reader, end: number): number => {
  if (!need(r, 8, end)) return 0
  const value = r.view.getFloat64(r.pos, true)
  r.pos += 8
  return value
}

export const fixed32 = (r: Reader, end: number): number => {
  if (!need(r, 4, end)) return 0
  const value = r.view.getUint32(r.pos, true)
  r.pos += 4
  return value
}

/** A length-delimited field's window: returns where it ends, with `pos` at its start. */
export const window = (r: Reader, end: number): number => {
  const length = small(r, "a length")
  if (r.failure !== undefined) return r.pos
  if (length > end - r.pos) {
    fail(r, "a field runs past the end of its message")
    return r.pos
  }
  return r.pos + length
}

/** A `string` field, made storable (`Text.ts`), within the string budget. */
export const string = (r: Reader, end: number): string => {
  const stop = window(r, end)
  if (stop - r.pos > r.limits.maxStringBytes) {
    fail(r, `a string is longer than ${r.limits.maxStringBytes} bytes`)
    return ""
  }
  const text = fromUtf8(r.bytes, r.pos, stop)
  r.pos = stop
  return text
}

/** A `bytes` field, a copy, within the string budget. */
export const bytes = (r: Reader, end: number): Uint8Array => {
  const stop = window(r, end)
  if (stop - r.pos > r.limits.maxStringBytes) {
    fail(r, `a bytes value is longer than ${r.limits.maxStringBytes} bytes`)
    return new Uint8Array(0)
  }
  const value = new Uint8Array(r.bytes.subarray(r.pos, stop))
  r.pos = stop
  return value
}

/**
 * Skips a field the decoder does not read: an unknown field, or a known one sent with another
 * wire type (what generated parsers do). Groups do not occur in proto3 and are refused.
 */
export const skip = (r: Reader, wireType: number, end: number): void => {
  switch (wireType) {
    case wire.varint:
      varint(r)
      return
    case wire.i64:
      if (need(r, 8, end)) r.pos += 8
      return
    case wire.len:
      r.pos = window(r, end)
      return
    case wire.i32:
      if (need(r, 4, end)) r.pos += 4
      return
    default:
      fail(r, `wire type ${wireType} is not used by OTLP`)
  }
}

/** Ends a sub-message: its fields must have ended exactly at its window's end. */
export const close = (r: Reader, end: number): void => {
  if (r.pos > end) fail(r, "a field runs past the end of its message")
}
