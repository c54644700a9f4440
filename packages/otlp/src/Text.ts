/**
 * Strings as the ledger can keep them. OTLP strings arrive as UTF-8 (protobuf) or JSON text; the
 * first may be malformed, the second may escape a lone surrogate, and both may hold U+0000, which
 * PostgreSQL's `text` and `jsonb` refuse. Refusing such a string would lose the batch it came in
 * (a 400 is not retried), so each is made storable instead: every malformed sequence, lone
 * surrogate and NUL becomes U+FFFD, the replacement character (documented in docs/otlp.md).
 */

/** NUL or any UTF-16 surrogate: only a string holding one needs the slow pass. */
const suspect = /[\u0000\ud800-\udfff]/

const replacement = 0xfffd

/** The text with each NUL and each lone surrogate replaced by U+FFFD. */
export const storable = (text: string): string => {
  if (!suspect.test(text)) return text
  let out = ""
  let from = 0
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(index + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        index++
        continue
      }
    } else if (code !== 0 && (code < 0xdc00 || code > 0xdfff)) {
      continue
    }
    out += text.slice(from, index) + String.fromCharCode(replacement)
    from = index + 1
  }
  return out + text.slice(from)
}

/**
 * The storable text of UTF-8 bytes: malformed sequences become U+FFFD as the WHATWG decoder
 * replaces them (Node's native decoder, which keeps a leading byte-order mark), and so does NUL.
 */
export const fromUtf8 = (bytes: Buffer, start: number, end: number): string => storable(bytes.toString("utf8", start, end))

/** How many bytes a string takes in UTF-8, without encoding it. */
export const utf8Length = (text: string): number => {
  let length = text.length
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        length += 2
        index++
        continue
      }
    }
    if (code > 0x7ff) length += 2
    else if (code > 0x7f) length += 1
  }
  return length
}

/** Bytes as lowercase hex. */
export const toHex = (bytes: Buffer, start = 0, end = bytes.length): string => bytes.toString("hex", start, end)

const hexText = /^(?:[0-9a-fA-F]{2})*$/

/** Hex text (either case) as lowercase hex, or undefined when it is not hex of whole bytes. */
export const normalHex = (text: string): string | undefined => (hexText.test(text) ? text.toLowerCase() : undefined)
