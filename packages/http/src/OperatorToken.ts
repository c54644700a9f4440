/**
 * The operator token (AGENTLEDGER_OPERATOR_TOKEN): how long it must be, and how a presented token
 * is compared with it. It opens accounts for anyone who holds it, so it is held to the strength
 * of an account token, and compared in constant time: `===` stops at the first differing
 * character, and the time it takes tells an attacker how much of a guess was right.
 */
import { Redacted } from "effect"
import { createHash, timingSafeEqual } from "node:crypto"

/** The shortest operator token `serve` accepts (as long as a generated account token's secret part). */
export const minimumLength = 32

/** Why a configured operator token is refused, or undefined when it is acceptable. */
export const weakness = (token: string): string | undefined =>
  token.length < minimumLength
    ? `AGENTLEDGER_OPERATOR_TOKEN must be at least ${minimumLength} characters (it has ${token.length}); generate one with: openssl rand -base64 32`
    : undefined

const digest = (text: string): Buffer => createHash("sha256").update(text, "utf8").digest()

/**
 * Whether `presented` is the operator token. Both are hashed first, so the comparison takes the
 * same time whatever their lengths and contents; an empty configured token matches nothing.
 */
export const matches = (configured: Redacted.Redacted<string>, presented: Redacted.Redacted<string>): boolean => {
  const expected = Redacted.value(configured)
  return expected.length > 0 && timingSafeEqual(digest(expected), digest(Redacted.value(presented)))
}
