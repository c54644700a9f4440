/**
 * Decoding an answer with a reference Schema (this folder): a failure names every field that is
 * wrong, with the answer itself (cut to a readable length).
 */
import { Either, ParseResult, Schema } from "effect"
import { assert } from "vitest"

const show = (value: unknown): string => {
  const text = JSON.stringify(value)
  return text === undefined ? String(value) : text.length > 2500 ? `${text.slice(0, 2500)}…` : text
}

/** Decodes with a reference Schema; a failure names every field that is wrong. */
export const decode = <A, I>(schema: Schema.Schema<A, I>, value: unknown, label: string): A => {
  const result = Schema.decodeUnknownEither(schema, { errors: "all" })(value)
  if (Either.isLeft(result)) {
    return assert.fail(
      `${label}: the answer does not match the reference\n${ParseResult.TreeFormatter.formatErrorSync(result.left)}\nanswer: ${show(value)}`
    )
  }
  return result.right
}

