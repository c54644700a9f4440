/**
 * Error answers of bounded size. A failure message may echo what the client sent: a 1 MB body
 * that fails its schema produced a 260,000-character message and as many field errors, which the
 * server built, serialized and sent back — an amplifier for anyone with a token. An error answer
 * carries at most `maxFields` fields, `maxMessagesPerField` messages each, every text cut to
 * `maxText` characters, and its whole serialized envelope stays under `maxEnvelopeBytes`.
 */

export const maxFields = 10
export const maxMessagesPerField = 3
export const maxText = 200
/** The longest message of an error envelope (it says what failed, not everything that did). */
export const maxMessage = 500
export const maxEnvelopeBytes = 4 * 1024

/** `text` cut to `limit` characters (never inside a surrogate pair), marked as cut. */
export const text = (value: string, limit = maxText): string => {
  if (value.length <= limit) return value
  let end = limit - 1
  const code = value.charCodeAt(end - 1)
  if (code >= 0xd800 && code <= 0xdbff) end -= 1
  return `${value.slice(0, end)}…`
}

const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), "utf8")

/**
 * The field errors an envelope carries: the first fields and messages, cut to size, and only as
 * many as fit in `budget` bytes of JSON. Says how many fields it left out.
 */
export const fieldErrors = (
  errors: Readonly<Record<string, ReadonlyArray<string>>>,
  budget: number
): { readonly errors: Record<string, Array<string>>; readonly omitted: number } => {
  const kept: Record<string, Array<string>> = {}
  const fields = Object.keys(errors)
  let used = 2
  let count = 0
  for (const field of fields) {
    if (count === maxFields) break
    const messages = (errors[field] ?? []).slice(0, maxMessagesPerField).map((message) => text(message))
    const key = text(field)
    const size = bytes(key) + bytes(messages) + 2
    if (used + size > budget) break
    // Own property even for a field named `__proto__`: a plain assignment would set the prototype.
    Object.defineProperty(kept, key, { value: messages, enumerable: true, writable: true, configurable: true })
    used += size
    count += 1
  }
  return { errors: kept, omitted: fields.length - count }
}

/** An error envelope's message and field errors, bounded as this module says. */
export const envelope = (
  message: string,
  errors: Readonly<Record<string, ReadonlyArray<string>>>
): { readonly message: string; readonly errors: Record<string, Array<string>> } => {
  const short = text(message, maxMessage)
  // What the rest of the envelope (status, code, keys, the message) can take, with room to spare.
  const budget = maxEnvelopeBytes - bytes(short) - 256
  const bounded = fieldErrors(errors, budget)
  return {
    message: bounded.omitted === 0 ? short : text(`${short} (${bounded.omitted} more fields not shown)`, maxMessage + 40),
    errors: bounded.errors
  }
}
