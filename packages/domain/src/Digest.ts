/**
 * Content fingerprints: SHA-256 over the RFC 8785 (JCS) canonical form of a JSON value.
 *
 * JCS is JSON with object keys sorted by UTF-16 code units, ECMAScript number formatting and
 * JSON.stringify's string escaping. So the fast path sorts keys into fresh objects and lets the
 * engine's `JSON.stringify` (native, the same number and string rules) write the text; objects
 * whose keys look like array indices (which JavaScript orders numerically, not as strings) and
 * values with a `toJSON` take the maintained implementation (`json-canonicalize`). The two agree
 * on every JSON value (property-tested against a reference JCS); the fast path is what keeps a
 * 50-type schema inside its 1 ms budget (docs/decisions.md).
 *
 * SHA-256 comes from `node:crypto` (a deterministic function, no I/O): it is native, an order
 * of magnitude faster than a JavaScript implementation, and this is the only module that
 * touches it, so a browser build would swap one file.
 */
import { canonicalize } from "json-canonicalize"
import { createHash, type Hash } from "node:crypto"

const indexLike = /^(?:0|[1-9][0-9]*)$/

class NeedsLibrary extends Error {}

/** A copy with every object's keys in JCS order, or `NeedsLibrary` when insertion order cannot express it. */
const sortedCopy = (value: unknown): unknown => {
  if (typeof value !== "object" || value === null) return value
  if (Array.isArray(value)) return value.map(sortedCopy)
  if ("toJSON" in value) throw new NeedsLibrary()
  const keys = Object.keys(value).sort()
  const out: Record<string, unknown> = {}
  for (const key of keys) {
    if (indexLike.test(key)) throw new NeedsLibrary()
    const child: unknown = Reflect.get(value, key)
    if (child !== undefined && typeof child !== "function") out[key] = sortedCopy(child)
  }
  return out
}

/** RFC 8785 canonical JSON: sorted keys, no whitespace, ECMAScript number form. */
export const canonicalJson = (value: unknown): string => {
  try {
    return JSON.stringify(sortedCopy(value)) ?? "null"
  } catch (error) {
    if (error instanceof NeedsLibrary) return canonicalize(value)
    throw error
  }
}

export const sha256Hex = (text: string): string => createHash("sha256").update(text).digest("hex")

/** The fingerprint of a JSON value: equal for equal content whatever its key order. */
export const fingerprintOf = (value: unknown): string => sha256Hex(canonicalJson(value))

/** A SHA-256 fed text piece by piece (`update`), then read once (`hex`). */
export interface Sha256 {
  readonly update: (text: string) => void
  /** A hash that has taken the same pieces and goes on apart from this one. */
  readonly copy: () => Sha256
  /** The hex digest of every piece given, in order; the hash takes no piece after this. */
  readonly hex: () => string
}

const wrap = (hash: Hash): Sha256 => ({
  update: (text) => {
    hash.update(text)
  },
  copy: () => wrap(hash.copy()),
  hex: () => hash.digest("hex")
})

/**
 * `sha256Hex` of the pieces' concatenation, without the concatenation: what a streamed document
 * is hashed with, one page at a time. Each piece is UTF-8 encoded on its own, so a piece must not
 * end inside a surrogate pair (whole JSON texts never do).
 */
export const sha256 = (): Sha256 => wrap(createHash("sha256"))
