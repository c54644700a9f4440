/**
 * Admission control: past capacity the server answers 503 with `Retry-After` at once, and what it
 * admits is served. The state machine (`Admission`) on a clock of its own; the server flooded for
 * real.
 */
import { Admission } from "@agentledger/http"
import { PgStore } from "@agentledger/store-postgres"
import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc, Schema } from "effect"
import { afterAll, beforeAll } from "vitest"
import { deployAgent } from "./support/deployAgent.js"
import type { Json } from "./support/json.js"
import { call, expectAnswer } from "./support/jsonClient.js"
import { Details } from "./support/resources.js"
import { type RunningServer, startServer } from "./support/server.js"

const limits = (given: Partial<Admission.AdmissionLimits>): Admission.AdmissionLimits => Admission.resolve(given)

/** An admission on a clock the test moves, recording what it decided. */
const harness = (given: Partial<Admission.AdmissionLimits>) => {
  let now = 0
  const admission = new Admission.Admission(limits(given), () => now)
  const decided: Array<string> = []
  const offer = (name: string) => admission.offer(() => decided.push(`admit ${name}`), () => decided.push(`refuse ${name}`))
  return { admission, decided, offer, advance: (ms: number) => (now += ms) }
}

describe("Admission", () => {
  it("admits up to its limit, queues the next, and admits them in order as answers go out", () => {
    const { admission, decided, offer } = harness({ minInFlight: 2, maxInFlight: 2 })
    for (const name of ["a", "b", "c", "d"]) offer(name)
    expect(decided).toEqual(["admit a", "admit b"])
    expect(admission.queued).toBe(2)
    admission.done(1)
    expect(decided).toEqual(["admit a", "admit b", "admit c"])
    admission.done(1)
    expect(decided.at(-1)).toBe("admit d")
    expect(admission.queued).toBe(0)
  })

  it("refuses at once when the queue is full, and a request that waited out the queue timeout", () => {
    const { admission, decided, offer, advance } = harness({ minInFlight: 1, maxInFlight: 1, maxQueue: 1, queueTimeoutMs: 10 })
    offer("a")
    offer("b")
    offer("c")
    expect(decided).toEqual(["admit a", "refuse c"])
    advance(10)
    admission.done(1)
    expect(decided).toEqual(["admit a", "refuse c", "refuse b"])
  })

  it("lowers its limit when admitted requests take longer than the target, and raises it when they do not", () => {
    const { admission, advance } = harness({ latencyTargetMs: 20, minInFlight: 4, maxInFlight: 64 })
    const start = admission.limit
    for (let i = 0; i < 10; i++) {
      admission.offer(() => undefined, () => undefined)
      advance(25)
      admission.done(30)
    }
    const lowered = admission.limit
    expect(lowered).toBeLessThan(start)
    for (let i = 0; i < 400; i++) {
      admission.offer(() => undefined, () => undefined)
      admission.done(5)
    }
    expect(admission.limit).toBeGreaterThan(lowered)
  })

  it("with a latency target of 0 it admits everything", () => {
    const { decided, offer } = harness({ latencyTargetMs: 0, minInFlight: 1, maxInFlight: 1 })
    for (const name of ["a", "b", "c"]) offer(name)
    expect(decided).toEqual(["admit a", "admit b", "admit c"])
  })

  it.prop(
    "every request is admitted or refused exactly once; in flight never passes the limit's bounds; nothing is left waiting once all is answered",
    [fc.array(fc.oneof(fc.constant("offer" as const), fc.constant("done" as const), fc.integer({ min: 1, max: 40 })), { maxLength: 200 })],
    ([steps]) => {
      const h = harness({ latencyTargetMs: 20, queueTimeoutMs: 15, minInFlight: 2, maxInFlight: 8, maxQueue: 5 })
      const outcomes = new Map<number, number>()
      let offered = 0
      let admitted = 0
      const serve = (id: number) => () => {
        outcomes.set(id, (outcomes.get(id) ?? 0) + 1)
        admitted++
        expect(h.admission.served).toBeLessThanOrEqual(8)
      }
      const settle = () => {
        if (admitted > 0) {
          admitted--
          h.admission.done(10)
        }
      }
      for (const step of steps) {
        if (step === "offer") {
          const id = offered++
          h.admission.offer(serve(id), () => outcomes.set(id, (outcomes.get(id) ?? 0) + 1))
        } else if (step === "done") {
          settle()
        } else {
          h.advance(step)
        }
      }
      // Answer everything admitted, letting time pass so the queue drains or times out.
      for (let i = 0; i < offered + 10; i++) {
        h.advance(20)
        settle()
      }
      expect(h.admission.queued).toBe(0)
      expect(h.admission.served).toBe(0)
      for (let id = 0; id < offered; id++) expect(outcomes.get(id)).toBe(1)
    }
  )
})

const agentSchema = { external_identifier: "admission-schema", span_type_schemas: [{ name: "llm", params_schema: { type: "object" } }] }

const spanBody = (instance: string, i: number): Json => ({
  details: { agent_instance_id: instance, schema_name: "llm", status: "complete", payload: { i, text: "x".repeat(2_000) } }
})

describe("a flooded server", () => {
  let server: RunningServer
  let token = ""
  let run = ""
  beforeAll(async () => {
    // One request at a time and no queue: whatever arrives while one is served is refused.
    server = await startServer({
      store: PgStore.layerPglite(),
      admission: { latencyTargetMs: 1_000, minInFlight: 1, maxInFlight: 1, maxQueue: 0, retryAfterSeconds: 2 }
    })
    const deployed = await deployAgent(server.url, server.secret, { name: "Flooded" })
    token = deployed.token
    const registered = await call(server.url, token, "POST", "/api/v1/agent_instance/register", {
      agent_version: { external_identifier: "1.0.0", name: "Flooded" },
      agent_schema_version: agentSchema
    })
    run = expectAnswer(registered, 201, Details(RunOnly), "register").details.id
  })
  afterAll(() => server.close())

  it("answers every request: 201, or 503 with Retry-After in the error envelope; every 201 is stored", async () => {
    const post = async (i: number) => {
      const response = await fetch(`${server.url}/api/v1/agent_spans`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(spanBody(run, i))
      })
      return { status: response.status, headers: response.headers, body: await response.json() }
    }
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => post(i)))
    const statuses = answers.map((answer) => answer.status)
    expect(statuses.every((status) => status === 201 || status === 503)).toBe(true)
    const refused = answers.filter((answer) => answer.status === 503)
    expect(refused.length).toBeGreaterThan(0)
    for (const answer of refused) {
      expect(answer.headers.get("retry-after")).toBe("2")
      expect(answer.body).toMatchObject({ status: "error", code: "service_unavailable" })
    }
    const timeline = await call(server.url, token, "GET", `/api/v1/agent_instance/${run}/spans?pagination[page_size]=100`)
    expect(timeline.status).toBe(200)
    expect(expectAnswer(timeline, 200, SpanPage, "spans").summaries.length).toBe(statuses.filter((status) => status === 201).length)
    // Once the flood is over, a request is served.
    expect((await call(server.url, token, "POST", "/api/v1/agent_spans", spanBody(run, 99))).status).toBe(201)
  })
})

const RunOnly = Schema.Struct({ id: Schema.String })
const SpanPage = Schema.Struct({ summaries: Schema.Array(Schema.Struct({ id: Schema.String })) })
