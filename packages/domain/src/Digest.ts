/**
 * Content fingerprints: SHA-256 over the RFC 8785 (JCS) canonical form of a JSON value.
 *
 * SHA-256 comes from `node:crypto` (a deterministic function, no I/O): it is native, an order
 * of magnitude faster than a JavaScript implementation, and this is the only module that
 * touches it, so a browser build would swap one file (docs/decisions.md).
 */
import canonicalize from "canonicalize"
import { createHash } from "node:crypto"

/** RFC 8785 canonical JSON: sorted keys, no whitespace, ECMAScript number form. */
export const canonicalJson = (value: unknown): string => canonicalize(value) ?? "null"

export const sha256Hex = (text: string): string => createHash("sha256").update(text).digest("hex")

/** The fingerprint of a JSON value: equal for equal content whatever its key order. */
export const fingerprintOf = (value: unknown): string => sha256Hex(canonicalJson(value))
