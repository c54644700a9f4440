/**
 * Valid requests: a run, from its register with an activity schema that declares data risk
 * through spans (one, a batch, a finish), the run's finish, reads (the run list as a reviewer
 * filters it, the overview, the activity of its spans, its timeline, its spans in creation order, its risk) and a second
 * run terminated with a span in flight. Each answer must
 * decode with its reference Schema.
 */
import { Schema } from "effect"
import { expect, it } from "vitest"
import { Details, List } from "../../support/contract/envelopes.js"
import { supportSchema } from "../../support/contract/requests.js"
import { RiskReport } from "../../support/contract/risk.js"
import { Activity, AgentInstance, AgentSpan, Overview, SpanAnswer, Timeline } from "../../support/contract/runs.js"
import type { ContractSession } from "../../support/contract/session.js"

/** The valid requests of a run and its spans. */
export const runRequests = (contract: ContractSession): void => {
  const { call, keep, ok, text, the } = contract

  // --- a run

  it("POST agent_instance/register with an activity schema that declares data risk", async () => {
    const answer = await call("POST agent_instance/register", {
      body: {
        agent_id: the("agent"),
        environment_id: the("environment"),
        agent_version: { external_identifier: "1.0.0", name: "Support bot", description: "first release" },
        agent_schema_version: supportSchema
      }
    })
    keep("run", text(answer, "details", "id"))
    keep("version 1", text(answer, "details", "agent_version_id"))
    const run = ok(answer, Details(AgentInstance))
    expect(run.details).toMatchObject({
      status: "pending",
      agent_id: the("agent"),
      agent_deployment_id: the("deployment"),
      purpose: "live",
      started_at: null
    })
    expect(run.details.risk_profile_revision_id, "a run of an agent with a profile records the revision it is scored with").toBe(the("second revision"))
  })

  it("POST agent_instance/{id}/start", async () => {
    const run = ok(await call("POST agent_instance/{id}/start", { id: the("run"), body: {} }), Details(AgentInstance))
    expect(run.details).toMatchObject({ id: the("run"), status: "active" })
    expect(run.details.started_at).not.toBeNull()
  })

  it("POST agent_spans: a terminal span with its result", async () => {
    const answer = await call("POST agent_spans", {
      body: {
        details: {
          agent_instance_id: the("run"),
          schema_name: "crm:lookup",
          status: "complete",
          payload: { customer_id: "c-42" },
          result_payload: { email: "ada@example.com" },
          parent_span_id: null,
          started_at: "2026-01-01T10:00:00.000Z",
          finished_at: "2026-01-01T10:00:01.000Z"
        }
      }
    })
    keep("lookup span", text(answer, "details", "id"))
    const span = ok(answer, Details(AgentSpan))
    expect(span.details).toMatchObject({ agent_instance_id: the("run"), schema_name: "crm:lookup", schema_title: "crm:lookup", status: "complete" })
    expect(span.details.risk_points, "a span of a type that reads personal data under a profile scores").toBeGreaterThan(0)
  })

  it("POST agent_spans/batch: several spans in one unit of work", async () => {
    const answer = await call("POST agent_spans/batch", {
      body: {
        details: [
          { agent_instance_id: the("run"), schema_name: "agent", status: "active", payload: { goal: "refund" } },
          {
            agent_instance_id: the("run"),
            schema_name: "payments:charge",
            status: "complete",
            payload: { amount: 12.5 },
            result_payload: {},
            parent_span_id: the("lookup span")
          }
        ]
      }
    })
    keep("agent span", text(answer, "details", 0, "id"))
    keep("charge span", text(answer, "details", 1, "id"))
    const spans = ok(answer, Details(Schema.Array(AgentSpan)))
    expect(spans.details.map((span) => [span.schema_name, span.status])).toEqual([["agent", "active"], ["payments:charge", "complete"]])
    expect(spans.details[1]?.parent_span_id).toBe(the("lookup span"))
  })

  it("POST agent_spans/{id}/finish", async () => {
    const body = { status: "complete", result_payload: { answer: "refunded" }, timestamp: new Date().toISOString() }
    const span = ok(await call("POST agent_spans/{id}/finish", { id: the("agent span"), body }), Details(AgentSpan))
    expect(span.details).toMatchObject({ id: the("agent span"), status: "complete", result_payload: { answer: "refunded" } })
    expect(span.details.finished_at).not.toBeNull()
  })

  it("GET agent_spans, filtered by run", async () => {
    const page = ok(await call("GET agent_spans", { query: `agent_instance_id=${the("run")}&include_summaries=true` }), List(AgentSpan))
    expect(page.pagination.item_count).toBe(3)
    expect(page.summaries.map((span) => span.agent_instance_id)).toEqual([the("run"), the("run"), the("run")])
  })

  it("GET agent_spans/{id}", async () => {
    expect(ok(await call("GET agent_spans/{id}", { id: the("lookup span") }), Details(AgentSpan)).details.id).toBe(the("lookup span"))
  })

  it("POST agent_instance/{id}/finish with an empty body completes the run", async () => {
    const run = ok(await call("POST agent_instance/{id}/finish", { id: the("run"), body: {} }), Details(AgentInstance))
    expect(run.details).toMatchObject({ status: "complete", span_counts: { total: 3, complete: 3, finished: 3 } })
    expect(run.details.finished_at).not.toBeNull()
  })

  it("GET agent_instance, filtered by agent", async () => {
    const page = ok(await call("GET agent_instance", { query: `agent_id=${the("agent")}` }), List(AgentInstance))
    expect(page.summaries.map((run) => run.id)).toContain(the("run"))
  })

  it("GET agent_instance, filtered as a reviewer does: risk level, peak, flags, purpose, start window, sorted by start", async () => {
    const query = `agent_id=${the("agent")}&risk_level=medium&peak_risk_level=medium&flagged=false&purpose=live` +
      `&started_after=2000-01-01T00:00:00Z&started_before=2999-01-01T00:00:00Z&sort=-started_at`
    const page = ok(await call("GET agent_instance", { query }), List(AgentInstance))
    expect(page.summaries.map((run) => run.id)).toEqual([the("run")])
    expect(page.sorting).toEqual({ field: "started_at", direction: "desc" })
  })

  it("GET overview: every agent's runs of the last day, and the newest needing attention", async () => {
    const overview = ok(await call("GET overview"), Details(Overview))
    const agent = overview.details.agents.find((a) => a.agent_id === the("agent"))
    expect(agent?.runs_by_risk_level.medium).toBe(1)
    expect(overview.details.runs_by_status.complete).toBeGreaterThanOrEqual(1)
  })

  it("GET activity: spans by status in 5-minute buckets of the last day by default, every bucket present; a run's in weeks", async () => {
    const day = ok(await call("GET activity"), Details(Activity))
    expect([day.details.bucket_minutes, day.details.buckets.length]).toEqual([5, 288])
    const run = ok(await call("GET agent_instance/{id}", { id: the("run") }), Details(AgentInstance))
    // Weekly buckets over twenty years: a span of the run started on 2026-01-01, the others now.
    const query = `agent_instance_id=${the("run")}&agent_id=${the("agent")}&since=2020-01-01T00:00:00Z&until=2040-01-01T00:00:00Z&bucket_minutes=10080`
    const ofRun = ok(await call("GET activity", { query }), Details(Activity))
    const total = ofRun.details.buckets.reduce((sum, bucket) => sum + Object.values(bucket.counts).reduce((a, b) => a + b, 0), 0)
    expect(total).toBe(run.details.span_counts.total)
    const hourly = ok(await call("GET activity", { query: "since=2026-01-31T09:30:00Z&until=2026-01-31T12:00:00Z&bucket_minutes=60" }), Details(Activity))
    expect([hourly.details.since, hourly.details.until, hourly.details.buckets.map((b) => b.start)]).toEqual([
      "2026-01-31T09:00:00.000Z",
      "2026-01-31T12:00:00.000Z",
      ["2026-01-31T09:00:00.000Z", "2026-01-31T10:00:00.000Z", "2026-01-31T11:00:00.000Z"]
    ])
  })

  it("GET agent_instance/{id}: the run carries its risk", async () => {
    const run = ok(await call("GET agent_instance/{id}", { id: the("run") }), Details(AgentInstance))
    expect(run.details.risk_score).toBeGreaterThan(0)
    expect(run.details.risk_level).toBe("medium")
  })

  it("GET agent_instance/{id}/timeline", async () => {
    const timeline = ok(await call("GET agent_instance/{id}/timeline", { id: the("run") }), Details(Timeline))
    expect(timeline.details.instance.id).toBe(the("run"))
    expect(timeline.details.spans.map((entry) => entry.span.id).sort()).toEqual([the("lookup span"), the("agent span"), the("charge span")].sort())
    const depth = (id: string) => timeline.details.spans.find((entry) => entry.span.id === id)?.depth
    expect(depth(the("charge span")), "a child is one level below its parent").toBe((depth(the("lookup span")) ?? -2) + 1)
  })

  it("GET agent_instance/{id}/spans: the run's spans paged in creation order, without payloads", async () => {
    const Outline = Schema.Struct({ type: Schema.Literal("agent_span_outline"), id: Schema.String, sequence: Schema.Number })
    const page = ok(await call("GET agent_instance/{id}/spans", { id: the("run"), query: "pagination[page_size]=2" }), List(Outline))
    expect(page.summaries.map((span) => span.sequence)).toEqual([1, 2])
    expect(page.pagination.item_count).toBe(3)
    for (const span of page.summaries) expect(Object.keys(span)).not.toContain("payload")
  })

  it("GET agent_instance/{id}/risk: a report, not null", async () => {
    const report = ok(await call("GET agent_instance/{id}/risk", { id: the("run") }), Details(RiskReport))
    expect(report.details.level).toBe("medium")
    expect(report.details.breakdown.map((entry) => entry.schema_name)).toContain("crm:lookup")
  })

  it("POST agent_instance/{id}/terminate: a second run, registered with the deployment token under another version", async () => {
    const answer = await call("POST agent_instance/register", {
      token: the("deployment secret"),
      body: {
        agent_version: { external_identifier: "2.0.0", name: "Support bot", description: "second release" },
        agent_schema_version: supportSchema
      }
    })
    const id = keep("second run", text(answer, "details", "id"))
    keep("version 2", text(answer, "details", "agent_version_id"))
    expect(the("version 2")).not.toBe(the("version 1"))
    expect(text(await call("POST agent_instance/{id}/start", { id, body: {}, token: the("deployment secret") }), "details", "status")).toBe("active")
    const inFlight = text(
      await call("POST agent_spans", {
        token: the("deployment secret"),
        body: { details: { agent_instance_id: id, schema_name: "agent", status: "active", payload: {} } }
      }),
      "details",
      "id"
    )
    const terminated = ok(await call("POST agent_instance/{id}/terminate", { id, body: { reason: "contract test: stop" } }), Details(AgentInstance))
    expect(terminated.details).toMatchObject({ status: "terminated", termination_reason: "contract test: stop", agent_id: the("agent") })
    expect(terminated.details.finished_at).not.toBeNull()
    expect(terminated.details.span_counts, "terminating closes the spans in flight").toMatchObject({ total: 1, active: 0, finished: 1 })
    const closed = ok(await call("GET agent_spans/{id}", { id: inFlight }), Details(AgentSpan))
    expect(["complete", "failed", "cancelled", "terminated"]).toContain(closed.details.status)
    expect(closed.details.finished_at).not.toBeNull()
    keep("in-flight span", inFlight)
  })

  // --- the newer Prefactor SDKs' wire (docs/http.md, "The newer Prefactor wire")

  it("POST agent_spans and agent_spans/{id}/finish on the terminated run answer 2xx with control.terminate and its reason", async () => {
    const token = the("deployment secret")
    const created = ok(await call("POST agent_spans", {
      token,
      body: { details: { agent_instance_id: the("second run"), schema_name: "agent", status: "active", payload: {} }, idempotency_key: crypto.randomUUID() }
    }), SpanAnswer)
    expect([created.details.status, created.control]).toEqual(["terminated", { terminate: true, reason: "contract test: stop" }])
    const finished = ok(await call("POST agent_spans/{id}/finish", {
      id: the("in-flight span"),
      token,
      body: { status: "complete", timestamp: "2026-01-01T10:05:00.000Z", idempotency_key: crypto.randomUUID() }
    }), SpanAnswer)
    expect([finished.details.status, finished.control]).toEqual(["terminated", { terminate: true, reason: "contract test: stop" }])
    const polled = ok(await call("GET agent_instance/{id}", { id: the("second run"), token }), Details(AgentInstance))
    expect([polled.details.status, polled.details.termination_reason]).toEqual(["terminated", "contract test: stop"])
  })

  it("POST agent_instance/register with X-Prefactor-SDK records the SDK on the run; span answers of a run that goes on carry no control", async () => {
    // An agent of its own: the later sections' counts of the first agent stay.
    const agent = text(await call("POST agent", { body: { details: { name: "Newer SDK bot" } } }), "details", "id")
    const answer = await call("POST agent_instance/register", {
      headers: { "x-prefactor-sdk": "@prefactor/core@0.4.3" },
      body: {
        agent_id: agent,
        environment_id: the("environment"),
        agent_version: { external_identifier: "1.0.0", name: "Newer SDK bot", description: "" },
        idempotency_key: crypto.randomUUID()
      }
    })
    const run = ok(answer, Details(AgentInstance))
    expect(run.details.reported_by).toEqual({ protocol: "prefactor", sdk: "@prefactor/core@0.4.3" })
    keep("newer run", run.details.id)
    const span = ok(await call("POST agent_spans", {
      body: { details: { agent_instance_id: run.details.id, schema_name: "agent", status: "active", payload: {}, sensitive_encoding: false } }
    }), SpanAnswer)
    expect(span.control).toBeUndefined()
  })

  it("POST agent_instance/{id}/record_quality: the latest payload per name, shown in the run's quality_payloads", async () => {
    ok(await call("POST agent_instance/{id}/record_quality", { id: the("newer run"), body: { name: "accuracy", payload: { score: 0.5 } } }), Details(AgentInstance))
    const answer = await call("POST agent_instance/{id}/record_quality", {
      id: the("newer run"),
      body: { name: "accuracy", payload: { score: 0.75 }, idempotency_key: crypto.randomUUID() }
    })
    const run = ok(answer, Details(AgentInstance))
    expect(run.details.quality_payloads).toEqual({ accuracy: { score: 0.75 } })
  })
}
