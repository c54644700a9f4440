/**
 * The HTTP edge against hostile clients (docs/security.md): a request is authenticated before
 * its body is read; slow clients are cut off and connections are capped; every API answer is
 * `Cache-Control: no-store`; error answers stay small whatever was sent; the operator token is
 * compared exactly; and every timestamp a client sends must be an ISO 8601 date-time.
 */
import * as net from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as B from "./support/badInput.js"
import { type RunningServer, startServer } from "./support/server.js"

let server: RunningServer
let seeded: B.Seeded

beforeAll(async () => {
  server = await startServer({ connections: { headersTimeoutMs: 600, requestTimeoutMs: 1_200 } })
  seeded = await B.seed(server.url, server.secret, "hardening")
})
afterAll(() => server.close())

const target = (base: string) => {
  const url = new URL(base)
  return { host: url.hostname, port: Number(url.port) }
}

/** A socket (to the shared server unless told) and everything it has received, with a promise of its close. */
const open = async (base = server.url) => {
  const socket = net.connect(target(base))
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject))
  let received = ""
  socket.on("data", (data: Buffer) => (received += data.toString("latin1")))
  socket.on("error", () => undefined)
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()))
  return { socket, received: () => received, closed }
}

const within = <A>(promise: Promise<A>, ms: number): Promise<A | "timeout"> =>
  Promise.race([promise, new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), ms))])

const statusOf = (raw: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? "0")

/** Waits until `done` holds (polling), at most `ms`. */
const until = async (done: () => boolean, ms = 3_000): Promise<void> => {
  for (let waited = 0; waited < ms && !done(); waited += 25) await new Promise((resolve) => setTimeout(resolve, 25))
}

const answers = (raw: string): number => raw.match(/HTTP\/1\.1 200/g)?.length ?? 0

describe("authentication before the body", () => {
  /** Headers announcing a 1 MB body, and none of it: an answer can only come from a server that did not wait for the body. */
  const announced = (path: string, authorization: string | null) =>
    B.rawRequest("POST", path, [
      ...(authorization === null ? [] : [["authorization", authorization] as const]),
      ["content-type", "application/json"],
      ["content-length", "1000000"]
    ])

  for (const [label, path, authorization] of [
    ["no token", "/api/v1/agent", null],
    ["an unknown token", "/api/v1/agent_spans", "Bearer pf_unknown-token-0123456789abcdef0123"],
    ["an account token on the operator API", "/api/v1/admin/account", `Bearer ${"x".repeat(40)}`],
    ["no token on an unknown API route", "/api/v1/no_such_route", null]
  ] as const) {
    it(`answers ${label} with 401 before a byte of the body arrives`, async () => {
      const connection = await open()
      connection.socket.write(announced(path, authorization))
      // Within the request deadline (1.2 s), after which a server waiting for the body answers 408.
      const answered = await within(new Promise<void>((resolve) => connection.socket.on("data", () => resolve())), 1_000)
      expect(answered, "the server waited for the body").not.toBe("timeout")
      await within(connection.closed, 200)
      expect(statusOf(connection.received())).toBe(401)
      expect(connection.received()).toContain(`"code":"unauthorized"`)
      connection.socket.destroy()
    })
  }

  it("still waits for the body of an authenticated request, and the public pages need no token", async () => {
    const connection = await open()
    connection.socket.write(announced("/api/v1/agent", `Bearer ${server.secret}`))
    expect(await within(new Promise<void>((resolve) => connection.socket.on("data", () => resolve())), 300)).toBe("timeout")
    connection.socket.destroy()
    for (const path of ["/openapi.json", "/docs"]) expect((await fetch(`${server.url}${path}`)).status).toBe(200)
  })
})

describe("slow clients and the connection cap", () => {
  it("cuts off a client that sends its headers a byte at a time (slowloris)", async () => {
    const connection = await open()
    connection.socket.write("GET /api/v1/ping HTTP/1.1\r\nhost: 127.0.0.1\r\n")
    const header = `authorization: Bearer ${server.secret}\r\n`.repeat(20)
    let sent = 0
    const dribble = setInterval(() => {
      if (!connection.socket.destroyed) connection.socket.write(header.charAt(sent++ % header.length))
    }, 100)
    const started = Date.now()
    const closed = await within(connection.closed, 4_000)
    clearInterval(dribble)
    expect(closed, "the slow client was never cut off").not.toBe("timeout")
    expect(Date.now() - started).toBeLessThan(3_000)
    if (connection.received() !== "") expect(statusOf(connection.received())).toBe(408)
  })

  it("closes connections past the cap at once, while the open ones keep working", async () => {
    const capped = await startServer({ connections: { maxConnections: 4 } })
    const ping = `GET /api/v1/ping HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${capped.secret}\r\n\r\n`
    const kept = await Promise.all([open(capped.url), open(capped.url), open(capped.url), open(capped.url)])
    // The server counts a connection once it has accepted it: a request on each makes sure it has.
    for (const connection of kept) connection.socket.write(ping)
    await until(() => kept.every((connection) => answers(connection.received()) === 1))
    for (const connection of kept) expect(statusOf(connection.received())).toBe(200)
    const extra = await open(capped.url)
    extra.socket.write(ping)
    expect(await within(extra.closed, 2_000), "a connection past the cap was kept").not.toBe("timeout")
    expect(extra.received()).toBe("")
    // The kept connections still answer on the same sockets.
    for (const connection of kept) connection.socket.write(ping)
    await until(() => kept.every((connection) => answers(connection.received()) === 2))
    for (const connection of kept) expect(answers(connection.received())).toBe(2)
    for (const connection of kept) connection.socket.destroy()
    await Promise.all(kept.map((connection) => connection.closed))
    await new Promise((resolve) => setTimeout(resolve, 100))
    const after = await open(capped.url)
    after.socket.write(ping)
    await until(() => answers(after.received()) === 1)
    expect(statusOf(after.received())).toBe(200)
    after.socket.destroy()
    await capped.close()
  })
})

describe("Cache-Control: no-store", () => {
  const cacheControl = async (method: string, path: string, token: string | null, body?: unknown) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { "content-type": "application/json", ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    await response.arrayBuffer()
    return { status: response.status, cacheControl: response.headers.get("cache-control") }
  }

  it("marks every API answer, secrets and errors alike", async () => {
    expect(await cacheControl("POST", "/api/v1/api_token", server.secret, { details: { token_scope: "account" } })).toEqual({ status: 201, cacheControl: "no-store" })
    expect(await cacheControl("POST", "/api/v1/admin/account", server.operatorToken, { details: { name: "Cached?" } })).toEqual({ status: 201, cacheControl: "no-store" })
    expect(await cacheControl("GET", "/api/v1/ping", server.secret)).toEqual({ status: 200, cacheControl: "no-store" })
    expect(await cacheControl("GET", `/api/v1/agent/${seeded.agent}`, server.secret)).toEqual({ status: 200, cacheControl: "no-store" })
    expect(await cacheControl("GET", "/api/v1/ping", null)).toEqual({ status: 401, cacheControl: "no-store" })
    expect(await cacheControl("GET", `/api/v1/agent/${B.absentId()}`, server.secret)).toEqual({ status: 404, cacheControl: "no-store" })
    expect(await cacheControl("POST", "/api/v1/agent", server.secret, { details: { name: 3 } })).toEqual({ status: 400, cacheControl: "no-store" })
  })
})

describe("bounded error answers", () => {
  it("answers a 1 MB body that fails the schema with a 400 of at most 4 KiB", async () => {
    // A schema failure's message quotes the value that failed: here all of it.
    const body = JSON.stringify({ details: { name: Array.from({ length: 150_000 }, (_, i) => i + 100_000) } })
    expect(body.length).toBeGreaterThan(1_000_000)
    const answer = await B.send(server.url, { method: "POST", path: "/api/v1/agent", token: server.secret, body })
    expect(answer.status, B.summary(answer)).toBe(400)
    expect(Buffer.byteLength(answer.text)).toBeLessThanOrEqual(4 * 1024)
    expect(answer.body).toMatchObject({ status: "error", code: "validation_errors" })
    const errors = B.at(answer.body, "errors")
    expect(B.isRecord(errors) && Object.keys(errors).length > 0 && Object.keys(errors).length <= 10).toBe(true)
  })

  it("bounds a schema failure that echoes a huge string", async () => {
    const body = JSON.stringify({ details: { name: "n", risk_profile_id: "\u0000".repeat(300_000) } })
    const answer = await B.send(server.url, { method: "POST", path: "/api/v1/agent", token: server.secret, body })
    expect(answer.status, B.summary(answer)).toBe(400)
    expect(Buffer.byteLength(answer.text)).toBeLessThanOrEqual(4 * 1024)
  })
})

describe("the operator token", () => {
  it("opens an account with exactly the operator token, and refuses a prefix, an extension or a near miss", async () => {
    const token = server.operatorToken
    expect((await B.call(server.url, token, "POST", "/api/v1/admin/account", { details: { name: "Operator" } })).status).toBe(201)
    for (const wrong of [token.slice(0, -1), `${token}x`, `${token.slice(0, -1)}${token.endsWith("a") ? "b" : "a"}`, "", server.secret]) {
      const answer = await B.call(server.url, wrong, "POST", "/api/v1/admin/account", { details: { name: "Intruder" } })
      expect(answer.status, wrong).toBe(401)
    }
  })
})

describe("timestamps are ISO 8601 date-times", () => {
  const refusedTimestamps = ["-1", "%00", "\u0000", "2", "2026", "2026-01-31", "March 7, 2026", "2026-01-31T09:30:00", "2026-13-01T00:00:00Z", "2026-01-31T25:00:00Z"]

  const register = async (): Promise<string> => {
    const answer = await B.call(server.url, server.secret, "POST", "/api/v1/agent_instance/register", {
      agent_id: seeded.agent,
      environment_id: seeded.environment,
      agent_version: { external_identifier: "v-hardening", name: "Bot" },
      agent_schema_version: { external_identifier: "schema-hardening", span_schemas: { llm: { type: "object" } } }
    })
    expect(answer.status, B.summary(answer)).toBe(201)
    return B.textAt(answer.body, "details", "id")
  }

  it("refuses anything else on run start and finish, and accepts an instant with its zone", async () => {
    const run = await register()
    for (const timestamp of refusedTimestamps) {
      const start = await B.call(server.url, server.secret, "POST", `/api/v1/agent_instance/${run}/start`, { timestamp })
      expect(start.status, `start ${JSON.stringify(timestamp)}: ${B.summary(start)}`).toBe(400)
    }
    const started = await B.call(server.url, server.secret, "POST", `/api/v1/agent_instance/${run}/start`, { timestamp: "2026-01-31T09:30:00.123+01:00" })
    expect(started.status, B.summary(started)).toBe(200)
    expect(B.at(started.body, "details", "started_at")).toBe("2026-01-31T08:30:00.123Z")
    for (const timestamp of refusedTimestamps) {
      const finish = await B.call(server.url, server.secret, "POST", `/api/v1/agent_instance/${run}/finish`, { timestamp })
      expect(finish.status, `finish ${JSON.stringify(timestamp)}: ${B.summary(finish)}`).toBe(400)
    }
    const finished = await B.call(server.url, server.secret, "POST", `/api/v1/agent_instance/${run}/finish`, { timestamp: "2026-01-31T10:00:00Z" })
    expect(finished.status, B.summary(finished)).toBe(200)
  })

  it("refuses anything else on span create and finish, and on the span list's time filters", async () => {
    const run = await register()
    for (const timestamp of refusedTimestamps) {
      for (const field of ["started_at", "finished_at"]) {
        const create = await B.call(server.url, server.secret, "POST", "/api/v1/agent_spans", {
          details: { agent_instance_id: run, schema_name: "llm", status: "complete", payload: {}, [field]: timestamp }
        })
        expect(create.status, `span ${field} ${JSON.stringify(timestamp)}: ${B.summary(create)}`).toBe(400)
      }
      const list = await B.call(server.url, server.secret, "GET", `/api/v1/agent_spans?agent_instance_id=${run}&start_time=${encodeURIComponent(timestamp)}`)
      expect(list.status, `list ${JSON.stringify(timestamp)}: ${B.summary(list)}`).toBe(400)
    }
    const span = await B.call(server.url, server.secret, "POST", "/api/v1/agent_spans", {
      details: { agent_instance_id: run, schema_name: "llm", status: "active", payload: {}, started_at: "2026-01-31T09:30:00Z" }
    })
    expect(span.status, B.summary(span)).toBe(201)
    const id = B.textAt(span.body, "details", "id")
    for (const timestamp of refusedTimestamps) {
      const finish = await B.call(server.url, server.secret, "POST", `/api/v1/agent_spans/${id}/finish`, { timestamp })
      expect(finish.status, `span finish ${JSON.stringify(timestamp)}: ${B.summary(finish)}`).toBe(400)
    }
    const finished = await B.call(server.url, server.secret, "POST", `/api/v1/agent_spans/${id}/finish`, { timestamp: "2026-01-31T09:31:00Z" })
    expect(finished.status, B.summary(finished)).toBe(200)
  })
})
