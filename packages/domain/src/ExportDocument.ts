/**
 * The evidence document as text: written incrementally, verified whole.
 *
 * The document is `{"export":<E>,"sha256":"<hex>"}`, where `<E>` is the export's contents
 * (`Export.Contents`) in RFC 8785 canonical form (`Digest.canonicalJson`: keys sorted, no
 * whitespace, ECMAScript numbers) and `sha256` is the SHA-256 of exactly that text. `"export"`
 * sorts before `"sha256"`, so the whole document is canonical too: an auditor parses it,
 * re-canonicalizes `export` with any JCS library and compares the hash, trusting nothing of the
 * server's but the bytes.
 *
 * `open` writes `<E>` a piece at a time, without ever holding it whole: the head (every field
 * but the spans; each of their keys sorts before `spans`), then the spans a page at a time,
 * then the close, which gives the hash. It is a builder of text with no I/O: the use case reads,
 * the adapter sends. A stream of several documents (NDJSON, one per line) is hashed as sent by
 * `lines`.
 */
import { Either, Schema } from "effect"
import { canonicalJson, sha256, sha256Hex } from "./Digest.js"
import * as Export from "./Export.js"

/** The end of a document: the text that closes it, and its hash. */
export interface Closed {
  readonly text: string
  readonly sha256: string
}

/** A document being written: its spans, a page at a time, then its close, once. */
export interface Opened {
  /** The text of these spans (the next in timeline order). */
  readonly spans: (entries: ReadonlyArray<Export.Entry>) => string
  /** The text that ends the document, and the SHA-256 of its contents. */
  readonly close: () => Closed
}

const encodeHead = Schema.encodeSync(Export.Head)
const encodeEntry = Schema.encodeSync(Export.Entry)

const documentStart = "{\"export\":"

/**
 * Opens a document on its head: `text` starts it. The head's canonical object is written open
 * (its closing brace left off) and the spans' array follows it, which is canonical because every
 * key of the head sorts before `spans`.
 */
export const open = (head: Export.Head): { readonly text: string; readonly opened: Opened } => {
  const hash = sha256()
  const headText = canonicalJson(encodeHead(head))
  const contentsStart = `${headText.slice(0, -1)},"spans":[`
  hash.update(contentsStart)
  let first = true
  let closed = false
  const spans = (entries: ReadonlyArray<Export.Entry>): string => {
    if (closed) throw new Error("agentledger: spans written to an export after its close")
    let text = ""
    for (const entry of entries) {
      text += first ? canonicalJson(encodeEntry(entry)) : `,${canonicalJson(encodeEntry(entry))}`
      first = false
    }
    hash.update(text)
    return text
  }
  const close = (): Closed => {
    if (closed) throw new Error("agentledger: an export closed twice")
    closed = true
    hash.update("]}")
    const hex = hash.hex()
    return { text: `]},"sha256":"${hex}"}`, sha256: hex }
  }
  return { text: documentStart + contentsStart, opened: { spans, close } }
}

/** A verified document: its hash and its contents as parsed JSON. */
export interface Verified {
  readonly sha256: string
  readonly contents: unknown
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * The auditor's check, as a function: the text parses as `{"export": E, "sha256": H}` and nothing
 * else, `H` is the SHA-256 of E's canonical form, and the text is exactly that canonical
 * document. Otherwise, why not.
 */
export const verify = (text: string): Either.Either<Verified, string> => {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return Either.left("the document is not JSON (cut short?)")
  }
  if (!isRecord(parsed)) return Either.left("the document is not an object")
  const keys = Object.keys(parsed).sort()
  if (keys.length !== 2 || keys[0] !== "export" || keys[1] !== "sha256") {
    return Either.left("the document holds other keys than export and sha256")
  }
  const stated = parsed["sha256"]
  if (typeof stated !== "string") return Either.left("sha256 is not a string")
  const contents = parsed["export"]
  const canonical = canonicalJson(contents)
  const actual = sha256Hex(canonical)
  if (actual !== stated) return Either.left(`sha256 ${stated} does not match the contents (${actual})`)
  if (text !== `${documentStart}${canonical},"sha256":"${stated}"}`) return Either.left("the document is not in canonical form")
  return Either.right({ sha256: actual, contents })
}

/** The contents of a verified document, as the domain's records. */
export const decodeContents = Schema.decodeUnknownEither(Export.Contents)

/**
 * A stream of documents one per line (NDJSON), hashed as written: the hash covers the lines that
 * ended, so a stream cut short part way through a line is still described by its whole lines —
 * an auditor holding the first `lines` lines of what was received recomputes the same hash.
 */
export interface Lines {
  /** Text of the stream, in order; `ends` is true when it ends a line (a document). */
  readonly add: (text: string, ends: boolean) => void
  /** How many lines ended, and the SHA-256 of those lines (newlines included). */
  readonly close: () => { readonly lines: number; readonly sha256: string }
}

export const lines = (): Lines => {
  const hash = sha256()
  let ended = hash.copy()
  let count = 0
  return {
    add: (text, ends) => {
      hash.update(text)
      if (ends) {
        count++
        ended = hash.copy()
      }
    },
    close: () => ({ lines: count, sha256: ended.hex() })
  }
}
