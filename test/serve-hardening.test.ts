/**
 * The main job's own defences, in its own process: it refuses to start with a short operator
 * token or with connection limits that cannot work, and its process backstop logs a lost promise
 * rejection instead of dying; a hostile request sequence leaves stderr free of such logs and the
 * server serving.
 */
import * as net from "node:net"
import { describe, expect, it } from "vitest"
import { listening, type Run, run as runProcess } from "./support/serveProcess.js"

const token = `pf_${"h".repeat(43)}`
const operator = "o".repeat(40)

const run = (args: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}): Run =>
  runProcess(args, { AGENTLEDGER_BOOTSTRAP_TOKEN: token, AGENTLEDGER_OPERATOR_TOKEN: operator, ...env })

const serve = (flags: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}) =>
  run(["apps/server/src/main.ts", "--port", "0", "--memory", ...flags], env)

/** Raw bytes on a fresh connection; resolves when the server closes it or after `ms`. */
const raw = (url: string, bytes: string | Buffer, ms = 1_000): Promise<void> =>
  new Promise((resolve) => {
    const { hostname, port } = new URL(url)
    const socket = net.connect({ host: hostname, port: Number(port) }, () => socket.write(bytes))
    const timer = setTimeout(() => socket.destroy(), ms)
    socket.on("error", () => undefined)
    socket.on("data", () => undefined)
    socket.on("close", () => {
      clearTimeout(timer)
      resolve()
    })
  })

describe("serve refuses settings that leave it open", () => {
  it("exits non-zero with a clear message when the operator token is shorter than 32 characters", async () => {
    const served = serve([], { AGENTLEDGER_OPERATOR_TOKEN: "short-operator-token" })
    expect(await served.exited).toBe(2)
    expect(served.stderr()).toContain("AGENTLEDGER_OPERATOR_TOKEN must be at least 32 characters (it has 20)")
    expect(served.stdout()).not.toContain("Listening")
  }, 60_000)

  it("exits non-zero when the schema checker's threads could not load, or keys would never replay", async () => {
    const tooSmall = serve(["--memory", "--checker-memory-mb", "16"])
    expect(await tooSmall.exited).toBe(2)
    expect(tooSmall.stderr()).toContain("at least 64 MiB")
    const noTtl = serve(["--memory", "--idempotency-ttl-s", "0"])
    expect(await noTtl.exited).toBe(2)
    expect(noTtl.stderr()).toContain("--idempotency-ttl-s must be at least 1 second")
  }, 60_000)

  it("exits non-zero when the headers may take longer than the whole request", async () => {
    const served = serve(["--headers-timeout-ms", "5000", "--request-timeout-ms", "1000"])
    expect(await served.exited).toBe(2)
    expect(served.stderr()).toContain("cannot exceed the request timeout")
  }, 60_000)
})

describe("the process backstop", () => {
  it("logs a lost promise rejection with its cause and keeps the process alive", async () => {
    const script = "import * as Backstop from './apps/server/src/Backstop.ts'; Backstop.install(); " +
      "void Promise.reject(new Error('lost on purpose')); setTimeout(() => { process.stdout.write('still alive'); process.exit(0) }, 300)"
    const child = run(["--input-type=module", "-e", script])
    expect(await child.exited).toBe(0)
    expect(child.stderr()).toContain("agentledger: unhandled promise rejection")
    expect(child.stderr()).toContain("lost on purpose")
    expect(child.stdout()).toContain("still alive")
  }, 60_000)

  it("stays silent and serving through a hostile request sequence", async () => {
    const served = serve(["--headers-timeout-ms", "500", "--request-timeout-ms", "1000", "--max-connections", "16"])
    const url = await listening(served)
    const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" }
    const hostile: Array<Promise<unknown>> = [
      // Requests cut off mid-body, mid-headers, and dribbled.
      raw(url, `POST /api/v1/agent HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${token}\r\ncontent-length: 100000\r\n\r\n{"details":`, 200),
      raw(url, "POST /api/v1/agent HTTP/1.1\r\nhost: x\r\ncontent-le", 200),
      raw(url, "GET /api/v1/ping HTTP/1.1\r\nhost: x\r\nx-slow: a", 2_000),
      raw(url, "\u0000\u0001garbage\r\n\r\n"),
      raw(url, `POST /api/v1/agent_spans HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${token}\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n`),
      // More connections than the cap.
      ...Array.from({ length: 24 }, () => raw(url, "GET /api/v1/ping HTTP/1.1\r\nhost: x\r\n", 300))
    ]
    await Promise.all(hostile)
    const bodies = ["{", "[]", `{"details":${"[".repeat(300)}}`, `{"details":{"name":"${"x".repeat(200_000)}"}}`, `{"timestamp":"-1"}`]
    for (const body of bodies) {
      for (const path of ["/api/v1/agent", "/api/v1/agent_spans", "/api/v1/admin/account", "/api/v1/agent_instance/register"]) {
        const response = await fetch(`${url}${path}`, { method: "POST", headers: auth, body })
        expect(response.status, `${path} ${body.slice(0, 40)}`).toBeLessThan(500)
        await response.arrayBuffer()
      }
    }
    const ping = await fetch(`${url}/api/v1/ping`, { headers: auth })
    expect(ping.status).toBe(200)
    expect(served.stderr()).not.toMatch(/unhandled promise rejection|uncaught exception/)
    served.child.kill("SIGTERM")
    expect(await served.exited).toBe(0)
    expect(served.stderr()).not.toMatch(/unhandled promise rejection|uncaught exception/)
  }, 120_000)
})
