/**
 * Wrong content types over real HTTP: text, forms, multipart, XML and octet-stream bodies on
 * creating, registering, retiring, terminating, finishing and updating, each refused and run
 * on nothing.
 * Each must get its 4xx with the error envelope and leave both accounts' data as it was
 * (support/badInputWorld.ts); checks inside loops are soft, so one run lists every failing request.
 */
import { it } from "vitest"
import * as B from "../support/badInput.js"
import { type World, request, unchanged, world } from "../support/badInputWorld.js"
import { expectError } from "../support/expectError.js"

/** The tests of wrong content types, in the calling `describe`, on a server of their own. */
export const wrongContentTypes = (): void => {
  const w = world()

  /** A fresh agent with a started run, so that a request wrongly accepted changes only these. */
  const fresh = async (x: World, label: string) => {
    const agent = B.textAt((await request(x, "POST", "/api/v1/agent", { details: { name: `content-type ${label}` } })).body, "details", "id")
    const run = B.textAt((await request(x, "POST", "/api/v1/agent_instance/register", { agent_id: agent, environment_id: x.a.environment })).body, "details", "id")
    await request(x, "POST", `/api/v1/agent_instance/${run}/start`, {})
    return { agent, run }
  }

  const form = (fields: Readonly<Record<string, string>>): string => new URLSearchParams(fields).toString()

  interface Typed {
    readonly label: string
    readonly method: string
    readonly path: (fresh: { readonly agent: string; readonly run: string }) => string
    readonly type: string | null
    readonly body: (x: World, fresh: { readonly agent: string; readonly run: string }) => string | FormData
  }

  const multipart = (fields: Readonly<Record<string, string>>): FormData => {
    const data = new FormData()
    for (const [name, value] of Object.entries(fields)) data.set(name, value)
    return data
  }

  const cases: ReadonlyArray<Typed> = [
    { label: "create agent as text/plain", method: "POST", path: () => "/api/v1/agent", type: "text/plain", body: () => JSON.stringify({ details: { name: "as text" } }) },
    { label: "create agent as form", method: "POST", path: () => "/api/v1/agent", type: "application/x-www-form-urlencoded", body: () => form({ "details[name]": "as form" }) },
    { label: "create agent as XML", method: "POST", path: () => "/api/v1/agent", type: "application/xml", body: () => "<details><name>as xml</name></details>" },
    { label: "create agent as octet-stream", method: "POST", path: () => "/api/v1/agent", type: "application/octet-stream", body: () => JSON.stringify({ details: { name: "as bytes" } }) },
    { label: "register as form", method: "POST", path: () => "/api/v1/agent_instance/register", type: "application/x-www-form-urlencoded", body: (x, f) => form({ agent_id: f.agent, environment_id: x.a.environment }) },
    { label: "register as multipart/form-data", method: "POST", path: () => "/api/v1/agent_instance/register", type: null, body: (x, f) => multipart({ agent_id: f.agent, environment_id: x.a.environment }) },
    { label: "retire as form", method: "POST", path: (f) => `/api/v1/agent/${f.agent}/retire`, type: "application/x-www-form-urlencoded", body: () => form({ because: "form" }) },
    { label: "retire as octet-stream", method: "POST", path: (f) => `/api/v1/agent/${f.agent}/retire`, type: "application/octet-stream", body: () => "{}" },
    { label: "retire as text/plain", method: "POST", path: (f) => `/api/v1/agent/${f.agent}/retire`, type: "text/plain", body: () => "{}" },
    { label: "terminate as form", method: "POST", path: (f) => `/api/v1/agent_instance/${f.run}/terminate`, type: "application/x-www-form-urlencoded", body: () => form({ reason: "form" }) },
    { label: "terminate as multipart/form-data", method: "POST", path: (f) => `/api/v1/agent_instance/${f.run}/terminate`, type: null, body: () => multipart({ reason: "multipart" }) },
    { label: "finish as text/plain", method: "POST", path: (f) => `/api/v1/agent_instance/${f.run}/finish`, type: "text/plain", body: () => JSON.stringify({ status: "failed" }) },
    { label: "finish as octet-stream", method: "POST", path: (f) => `/api/v1/agent_instance/${f.run}/finish`, type: "application/octet-stream", body: () => JSON.stringify({ status: "failed" }) },
    { label: "environment update as form", method: "PUT", path: () => "/api/v1/environment/{environment}", type: "application/x-www-form-urlencoded", body: () => form({ details: "renamed" }) }
  ]

  for (const typed of cases) {
    it(`refuses ${typed.label} with a 4xx envelope, and runs nothing`, async () => {
      const x = w()
      const f = await fresh(x, typed.label)
      const path = typed.path(f).replace("{environment}", x.a.environment)
      await unchanged(x, async () => {
        const answer = await B.send(x.server.url, { method: typed.method, path, token: x.server.secret, body: typed.body(x, f), headers: typed.type === null ? {} : { "content-type": typed.type } })
        expectError(`${typed.label}: ${typed.method} ${path}`, answer, [400, 415], ["validation_errors", "bad_request", "unsupported_media_type"])
      })
    })
  }
}
