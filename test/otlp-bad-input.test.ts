/**
 * Bad input at `POST /v1/traces`: malformed protobuf and JSON, wrong content types and
 * encodings, bodies too large (declared, streamed, or inflating past the limit), values nested
 * too deep, missing or bad tokens, other methods — each answered with its 4xx and a
 * `google.rpc.Status` in the request's encoding, never a 5xx; and hostile bytes at random end in
 * a 200 or a 400, never anything else. `AGENTLEDGER_DEEP=1` runs many more random cases.
 */
import { FastCheck as fc } from "effect"
import { gzipSync } from "node:zlib"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type OtlpAnswer, type OtlpServer, send, startOtlpServer } from "./support/otlpServer.js"

const deep = (process.env["AGENTLEDGER_DEEP"] ?? "") !== ""
const proto = "application/x-protobuf"
const json = "application/json"

let server: OtlpServer
beforeAll(async () => {
  server = await startOtlpServer({ limits: { maxBodyBytes: 1024 * 1024 } })
})
afterAll(() => server.close())

/** A `google.rpc.Status` read from protobuf: `code` (field 1, varint) and `message` (field 2). */
const statusOf = (bytes: Uint8Array): { code: number; message: string } => {
  let code = 0
  let message = ""
  for (let at = 0; at < bytes.length;) {
    const tag = bytes[at++] ?? 0
    if (tag === 0x08) {
      let value = 0
      for (let shift = 0; ; shift += 7) {
        const byte = bytes[at++] ?? 0
        value |= (byte & 0x7f) << shift
        if (byte < 0x80) break
      }
      code = value
    } else if (tag === 0x12) {
      let length = 0
      for (let shift = 0; ; shift += 7) {
        const byte = bytes[at++] ?? 0
        length |= (byte & 0x7f) << shift
        if (byte < 0x80) break
      }
      message = new TextDecoder().decode(bytes.subarray(at, at + length))
      at += length
    } else {
      throw new Error(`not a google.rpc.Status: tag ${tag}`)
    }
  }
  return { code, message }
}

/** The answer is the status given, with a `google.rpc.Status` of this code in the encoding given. */
const expectStatus = (answer: OtlpAnswer, status: number, encoding: "protobuf" | "json", code: number, message: RegExp) => {
  expect(answer.status).toBe(status)
  if (encoding === "json") {
    expect(answer.contentType).toBe(json)
    const body: unknown = JSON.parse(new TextDecoder().decode(answer.body))
    expect(body).toEqual({ code, message: expect.stringMatching(message) })
  } else {
    expect(answer.contentType).toBe(proto)
    expect(statusOf(answer.body)).toEqual({ code, message: expect.stringMatching(message) })
  }
}

describe("POST /v1/traces refuses bad input in OTLP's shape", () => {
  it("answers 401 without a token or with a bad one, before reading the body", async () => {
    expectStatus(await send(server.url, new Uint8Array(0), { contentType: proto }), 401, "protobuf", 16, /API token is required/)
    expectStatus(await send(server.url, "{}", { contentType: json, token: "pf_nope" }), 401, "json", 16, /.+/)
  })

  it("answers 415 to other content types and encodings, and 405 to other methods", async () => {
    const token = server.secret
    expectStatus(await send(server.url, "x", { token, contentType: "text/plain" }), 415, "json", 3, /Content-Type/)
    expectStatus(await send(server.url, "x", { token }), 415, "json", 3, /Content-Type/)
    expectStatus(await send(server.url, "{}", { token, contentType: json, contentEncoding: "deflate" }), 415, "json", 3, /Content-Encoding/)
    expectStatus(await send(server.url, new Uint8Array(0), { token, contentType: proto, contentEncoding: "br" }), 415, "protobuf", 3, /Content-Encoding/)
    expectStatus(await send(server.url, "", { token, contentType: json, method: "GET" }), 405, "json", 3, /POST only/)
  })

  it("answers 400 to malformed protobuf and JSON, and to a body that says gzip and is not", async () => {
    const token = server.secret
    expectStatus(await send(server.url, Uint8Array.from([0x0a, 0xff, 0xff, 0x03]), { token, contentType: proto }), 400, "protobuf", 3, /protobuf body cannot be decoded/)
    expectStatus(await send(server.url, Uint8Array.from([0x0f]), { token, contentType: proto }), 400, "protobuf", 3, /wire type 7/)
    expectStatus(await send(server.url, "{\"resourceSpans\":", { token, contentType: json }), 400, "json", 3, /JSON body cannot be decoded/)
    expectStatus(await send(server.url, "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"zz\"}]}]}]}", { token, contentType: json }), 400, "json", 3, /must be hex/)
    expectStatus(await send(server.url, "{}", { token, contentType: json, contentEncoding: "gzip" }), 400, "json", 3, /cannot be unzipped/)
  })

  it("answers 400 to values nested too deep, in both encodings", async () => {
    const token = server.secret
    let value = "{\"stringValue\":\"core\"}"
    for (let level = 0; level < 40; level++) value = `{"arrayValue":{"values":[${value}]}}`
    const body = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"k","value":${value}}]}]}]}]}`
    expectStatus(await send(server.url, body, { token, contentType: json }), 400, "json", 3, /nests deeper than 32 levels/)
    expectStatus(await send(server.url, `${"[".repeat(200_000)}${"]".repeat(200_000)}`, { token, contentType: json }), 400, "json", 3, /nests deeper/)
  })

  it("answers 413 to a body over the limit: declared, streamed without a length, or inflating past it", async () => {
    const token = server.secret
    const big = new Uint8Array(2 * 1024 * 1024)
    expectStatus(await send(server.url, big, { token, contentType: proto }), 413, "protobuf", 8, /exceeds the limit of 1048576 bytes/)
    expectStatus(await send(server.url, big, { token, contentType: proto, chunked: true }), 413, "protobuf", 8, /exceeds the limit/)
    const bomb = gzipSync(new Uint8Array(8 * 1024 * 1024))
    expect(bomb.length).toBeLessThan(64 * 1024)
    expectStatus(await send(server.url, bomb, { token, contentType: json, contentEncoding: "gzip" }), 413, "json", 8, /exceeds the limit/)
  })

  it("answers an empty request with the empty success, in each encoding", async () => {
    const token = server.secret
    expect(await send(server.url, new Uint8Array(0), { token, contentType: proto })).toMatchObject({ status: 200, contentType: proto, body: new Uint8Array(0) })
    const answer = await send(server.url, "{}", { token, contentType: "application/json; charset=utf-8" })
    expect([answer.status, new TextDecoder().decode(answer.body)]).toEqual([200, "{}"])
  })

  it("answers hostile bytes with a 200 or a 400, never a 5xx", async () => {
    const token = server.secret
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 256 }), fc.boolean(), async (bytes, asJson) => {
        const answer = await send(server.url, bytes, { token, contentType: asJson ? json : proto })
        expect([200, 400]).toContain(answer.status)
      }),
      { numRuns: deep ? 2000 : 100 }
    )
  })
})
