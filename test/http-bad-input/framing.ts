/**
 * Lying and malformed framing over a raw socket: a content-length shorter or longer than the
 * body, and content-lengths that cannot be read.
 * Each must get its 4xx with the error envelope and leave both accounts' data as it was
 * (support/badInputWorld.ts); checks inside loops are soft, so one run lists every failing request.
 */
import { it } from "vitest"
import * as B from "../support/badInput.js"
import { type World, unchanged, world } from "../support/badInputWorld.js"
import { expectError } from "../support/expectError.js"

/** The tests of lying and malformed framing, in the calling `describe`, on a server of their own. */
export const lyingFraming = (): void => {
  const w = world()
  const body = JSON.stringify({ details: { name: "framed" } })
  const head = (x: World, length: string): ReadonlyArray<readonly [string, string]> =>
    [["authorization", `Bearer ${x.server.secret}`], ["content-type", "application/json"], ["content-length", length]]

  it("answers a content-length shorter than the body with 400 bad_request (the JSON is cut)", async () => {
    const x = w()
    await unchanged(x, async () => {
      // The first 5 bytes are the request's body (`{"det`): it must be answered 400 bad_request.
      // The bytes after it are junk on the connection, which may then be closed.
      expectError("content-length 5, connection: close", await B.sendRaw(x.server.url, B.rawRequest("POST", "/api/v1/agent", [...head(x, "5"), ["connection", "close"]], body)), 400, "bad_request")
      expectError("content-length 5, keep-alive", await B.sendRaw(x.server.url, B.rawRequest("POST", "/api/v1/agent", head(x, "5"), body)), 400, "bad_request")
    })
  })

  it("answers a content-length longer than the body with 400 bad_request once the client stops sending", async () => {
    const x = w()
    await unchanged(x, async () => {
      const answer = await B.sendRaw(x.server.url, B.rawRequest("POST", "/api/v1/agent", head(x, "500"), body), { halfClose: true })
      expectError("content-length 500, then the end of the stream", answer, 400, "bad_request")
    })
  })

  it("does not answer a content-length longer than the body with success while it waits for the rest", async () => {
    const x = w()
    await unchanged(x, async () => {
      const answer = await B.sendRaw(x.server.url, B.rawRequest("POST", "/api/v1/agent", head(x, "500"), body), { timeoutMs: 1_500 })
      if (answer !== null) expectError("content-length 500, connection held open", answer, 400, ["bad_request", "validation_errors"])
    })
  })

  it("answers an unreadable content-length with 400 and the envelope", async () => {
    const x = w()
    await unchanged(x, async () => {
      for (const [label, headers] of [
        ["content-length abc", head(x, "abc")],
        ["content-length -1", head(x, "-1")],
        ["two different content-lengths", [...head(x, "5"), ["content-length", "10"]]],
        ["content-length with transfer-encoding chunked", [...head(x, "3"), ["transfer-encoding", "chunked"]]]
      ] as const) {
        const answer = await B.sendRaw(x.server.url, B.rawRequest("POST", "/api/v1/agent", [...headers, ["connection", "close"]], body))
        expectError(label, answer, 400, ["bad_request", "validation_errors"])
      }
    })
  })
}
