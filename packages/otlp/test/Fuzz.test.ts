/**
 * Hostile input never gets past the decoders as anything but a refusal: random bytes, valid
 * requests with bytes flipped, cut or spliced, random JSON and mutated OTLP/JSON text all end in
 * a decoded request or a `MalformedRequest`, never a throw. `AGENTLEDGER_DEEP=1` runs twenty
 * times as many cases.
 */
import { describe, expect, it } from "@effect/vitest"
import { JsonDecode, Limits, MalformedRequest, ProtoDecode } from "@agentledger/otlp"
import { Either, FastCheck as fc } from "effect"
import * as arbitraries from "./support/arbitraries.js"
import { encodeJson } from "./support/JsonWriter.js"
import { encode } from "./support/ProtoWriter.js"

/** Small limits, so that the bounds are reached too. */
const tight: Limits.Limits = { ...Limits.defaults, maxDepth: 4, maxAttributes: 8, maxElements: 200, maxStringBytes: 64, maxSpans: 6 }

const settles = (result: Either.Either<unknown, MalformedRequest>) => {
  if (Either.isLeft(result)) expect(result.left).toBeInstanceOf(MalformedRequest)
}

/** A valid encoding with some of its bytes changed, cut or repeated. */
const mutated = (bytes: fc.Arbitrary<Uint8Array>) =>
  fc.tuple(bytes, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom("set", "cut", "repeat")), { minLength: 1, maxLength: 4 }))
    .map(([original, edits]) => {
      let out = Uint8Array.from(original)
      for (const [at, byte, edit] of edits) {
        if (out.length === 0) break
        const index = at % out.length
        if (edit === "set") out[index] = byte
        else if (edit === "cut") out = out.slice(0, index)
        else out = Uint8Array.from([...out.slice(0, index), ...out.slice(index, index + 8), ...out.slice(index)])
      }
      return out
    })

describe("the decoders under hostile input", () => {
  it.prop("protobuf: random bytes", [fc.uint8Array({ maxLength: 512 })], ([bytes]) => {
    settles(ProtoDecode.decode(bytes, tight))
    settles(ProtoDecode.decode(bytes, Limits.defaults))
  }, { fastCheck: { numRuns: arbitraries.runs(500) } })

  it.prop("protobuf: valid requests, mutated", [mutated(arbitraries.request.map((request) => encode(request)))], ([bytes]) => {
    settles(ProtoDecode.decode(bytes, tight))
    settles(ProtoDecode.decode(bytes, Limits.defaults))
  }, { fastCheck: { numRuns: arbitraries.runs(300) } })

  it.prop("JSON: random JSON values and random text", [fc.oneof(fc.json(), fc.string(), fc.jsonValue().map((value) => JSON.stringify({ resourceSpans: [value] })))], ([text]) => {
    settles(JsonDecode.decode(text, tight))
    settles(JsonDecode.decode(text, Limits.defaults))
  }, { fastCheck: { numRuns: arbitraries.runs(500) } })

  it.prop("JSON: valid requests, mutated", [mutated(arbitraries.request.map((request) => new TextEncoder().encode(encodeJson(request))))], ([bytes]) => {
    const text = new TextDecoder().decode(bytes)
    settles(JsonDecode.decode(text, tight))
    settles(JsonDecode.decode(text, Limits.defaults))
  }, { fastCheck: { numRuns: arbitraries.runs(300) } })
})
