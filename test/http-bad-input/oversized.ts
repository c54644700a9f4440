/**
 * Oversized bodies over real HTTP, on a server with a 64 KiB limit: over the limit with a
 * content-length or chunked (413, or a reset connection for a chunked body), and a body just
 * under it accepted either way.
 * Each must get its 4xx with the error envelope and leave both accounts' data as it was
 * (support/badInputWorld.ts); checks inside loops are soft, so one run lists every failing request.
 */
import { expect, it } from "vitest"
import * as B from "../support/badInput.js"
import { request, unchanged, world } from "../support/badInputWorld.js"
import { expectError } from "../support/expectError.js"

/** The tests of oversized bodies, in the calling `describe`, on a server with a 64 KiB limit. */
export const oversizedBodies = (): void => {
  const limit = 64 * 1024
  const w = world({ maxBodyBytes: limit })

  /** A create-agent body the server would accept, padded to about `bytes`. */
  const agentBody = (bytes: number, fill = "d"): string =>
    JSON.stringify({ details: { name: "too big", description: fill.repeat(Math.ceil(bytes / Buffer.byteLength(fill))) } })

  const chunksOf = (text: string, size = 8 * 1024): ReadonlyArray<Buffer> => {
    const buffer = Buffer.from(text, "utf8")
    const chunks: Array<Buffer> = []
    for (let offset = 0; offset < buffer.length; offset += size) chunks.push(buffer.subarray(offset, offset + size))
    return chunks
  }

  it("answers a body over the limit with a content-length with 413 payload_too_large", async () => {
    const x = w()
    await unchanged(x, async () => {
      expectError("create agent, 100 KiB", await B.send(x.server.url, { method: "POST", path: "/api/v1/agent", token: x.server.secret, body: agentBody(100 * 1024) }), 413, "payload_too_large")
      expectError("create agent, 40,000 three-byte characters (120 KB)", await B.send(x.server.url, { method: "POST", path: "/api/v1/agent", token: x.server.secret, body: agentBody(120 * 1024, "€") }), 413, "payload_too_large")
      expectError("span batch, 1 MiB", await B.send(x.server.url, { method: "POST", path: "/api/v1/agent_spans", token: x.server.secret, body: JSON.stringify({ details: { agent_instance_id: x.a.instance, schema_name: "llm", status: "active", payload: { text: "p".repeat(1024 * 1024) } } }) }), 413, "payload_too_large")
      expectError("without a token", await B.send(x.server.url, { method: "POST", path: "/api/v1/agent", token: null, body: agentBody(100 * 1024) }), [401, 413], ["unauthorized", "payload_too_large"])
      // A content-length far over the limit with a small body: refused on the header alone.
      const lying = B.rawRequest("POST", "/api/v1/agent", [["authorization", `Bearer ${x.server.secret}`], ["content-type", "application/json"], ["content-length", String(10 * 1024 ** 3)], ["connection", "close"]], agentBody(10))
      expectError("content-length of 10 GiB over a small body", await B.sendRaw(x.server.url, lying), 413, "payload_too_large")
    })
  })

  it("answers a chunked body over the limit with 413 payload_too_large, or resets the connection, and stores nothing", async () => {
    // docs/decisions.md ("The body limit"): a chunked body over the limit is cut off by destroying
    // the request, which resets the connection, so the client may see no answer at all. Anything
    // else than a 413 envelope or that reset is wrong.
    const x = w()
    await unchanged(x, async () => {
      const send = async (label: string, path: string, body: string, headers: Readonly<Record<string, string>> = {}, status = 413, code = "payload_too_large") => {
        const answer = await B.sendChunked(x.server.url, { method: "POST", path, token: x.server.secret, headers }, chunksOf(body))
        if (answer !== null) expectError(`chunked ${label}`, answer, status, code)
      }
      await send("create agent, 100 KiB", "/api/v1/agent", agentBody(100 * 1024))
      await send("create agent, 120 KB of three-byte characters", "/api/v1/agent", agentBody(120 * 1024, "€"))
      await send("retire, 100 KiB", `/api/v1/agent/${x.a.agent}/retire`, JSON.stringify({ padding: "p".repeat(100 * 1024) }))
      // Authenticated before its body is read (docs/security.md): refused as unauthorized.
      await send("1 MiB without a valid token", "/api/v1/agent", agentBody(1024 * 1024), { authorization: "Bearer nope" }, 401, "unauthorized")
    })
    // The server still serves after the resets.
    const ping = await request(x, "GET", "/api/v1/ping")
    expect(ping.status, B.summary(ping)).toBe(200)
  })

  it("accepts a body just under the limit, chunked or not (the limit is not lower than configured)", async () => {
    const x = w()
    const fits = agentBody(limit - 1024)
    const plain = await B.send(x.server.url, { method: "POST", path: "/api/v1/agent", token: x.server.secret, body: fits })
    expect(plain.status, B.summary(plain)).not.toBe(413)
    const chunked = await B.sendChunked(x.server.url, { method: "POST", path: "/api/v1/agent", token: x.server.secret }, chunksOf(fits))
    expect(chunked?.status, B.summary(chunked)).not.toBe(413)
  })
}
