import { describe, expect, it } from "@effect/vitest"
import { Body, BodyTooLarge, Limits, MalformedRequest, type Model, UnsupportedMedia } from "@agentledger/otlp"
import { Effect, Either } from "effect"
import { gzipSync } from "node:zlib"
import { encodeJson } from "./support/JsonWriter.js"
import { encode } from "./support/ProtoWriter.js"

const request: Model.ExportRequest = {
  resourceSpans: [{
    resource: { attributes: [{ key: "service.name", value: { _tag: "string", value: "agent-x" } }], droppedAttributesCount: 0 },
    scopeSpans: [],
    schemaUrl: ""
  }]
}

describe("Body", () => {
  it("tells the encoding from the media type, parameters and case aside", () => {
    expect(Body.encodingOf("application/x-protobuf")).toEqual(Either.right("protobuf"))
    expect(Body.encodingOf("Application/JSON; charset=utf-8")).toEqual(Either.right("json"))
    expect(Body.encodingOf("application/protobuf")).toEqual(Either.right("protobuf"))
    for (const refused of [undefined, "", "text/plain", "application/jsonx", "multipart/form-data"]) {
      expect(Either.getLeft(Body.encodingOf(refused))).toEqual(Either.getLeft(Either.left(new UnsupportedMedia({ message: `the Content-Type must be application/x-protobuf or application/json, not ${JSON.stringify(refused ?? "")}` }))))
    }
  })

  it("takes gzip or no content encoding, and refuses any other (deflate, br)", () => {
    expect(Body.compressionOf(undefined)).toEqual(Either.right("none"))
    expect(Body.compressionOf("identity")).toEqual(Either.right("none"))
    expect(Body.compressionOf("GZIP")).toEqual(Either.right("gzip"))
    expect(Either.isLeft(Body.compressionOf("deflate"))).toBe(true)
    expect(Either.isLeft(Body.compressionOf("br"))).toBe(true)
  })

  it.effect("reads a gzipped body in either encoding", () =>
    Effect.gen(function*() {
      expect(yield* Body.read("protobuf", "gzip", gzipSync(encode(request)), Limits.defaults)).toEqual(request)
      expect(yield* Body.read("json", "gzip", gzipSync(encodeJson(request)), Limits.defaults)).toEqual(request)
      expect(yield* Body.read("json", "none", new TextEncoder().encode(`\ufeff${encodeJson(request)}`), Limits.defaults)).toEqual(request)
      expect(yield* Body.read("json", "none", new Uint8Array(0), Limits.defaults)).toEqual({ resourceSpans: [] })
    }))

  it.effect("refuses a body over the limit as sent, and a gzip bomb once its output passes the limit", () =>
    Effect.gen(function*() {
      const limits = { ...Limits.defaults, maxBodyBytes: 1024 }
      expect(yield* Effect.flip(Body.read("protobuf", "none", new Uint8Array(1025), limits))).toEqual(new BodyTooLarge({ limit: 1024 }))
      const bomb = gzipSync(new Uint8Array(20 * 1024 * 1024))
      expect(bomb.length).toBeLessThan(64 * 1024)
      expect(yield* Effect.flip(Body.read("protobuf", "gzip", bomb, Limits.defaults))).toEqual(new BodyTooLarge({ limit: Limits.defaults.maxBodyBytes }))
    }))

  it.effect("refuses what is not gzip when it says it is", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Body.read("protobuf", "gzip", encode(request), Limits.defaults))
      expect(error).toBeInstanceOf(MalformedRequest)
      expect(error.message).toMatch(/cannot be unzipped/)
    }))
})
