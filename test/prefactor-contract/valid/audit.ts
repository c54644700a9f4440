/**
 * Valid requests of the audit log (docs/http.md, "The audit log"), after the catalog, deployments,
 * runs and versions have written theirs: the log newest first, narrowed by every filter, and the
 * chain's verification. Each answer must decode with its reference Schema.
 */
import { expect, it } from "vitest"
import { AuditEvent, AuditVerification } from "../../support/contract/audit.js"
import { Details, List } from "../../support/contract/envelopes.js"
import type { ContractSession } from "../../support/contract/session.js"

/** The valid requests of the audit log. */
export const auditRequests = (contract: ContractSession): void => {
  const { call, ok, the } = contract

  it("GET audit_event: the account's events, newest first, each naming its actor", async () => {
    const page = ok(await call("GET audit_event", { query: "pagination[page_size]=100" }), List(AuditEvent))
    expect(page.sorting).toEqual({ field: "sequence", direction: "desc" })
    const sequences = page.summaries.map((event) => event.sequence)
    expect(sequences).toEqual([...sequences].sort((a, b) => b - a))
    expect(page.summaries.at(-1)).toMatchObject({ sequence: 1, action: "account.create", actor: { type: "operator" } })
    const agent = the("agent")
    const ofAgent = ok(await call("GET audit_event", { query: `entity=agent&entity_id=${agent}&sorting=sequence` }), List(AuditEvent))
    expect(ofAgent.summaries[0]).toMatchObject({ action: "agent.create", entity_id: agent, actor: { type: "api_token", scope: "account" } })
    const window = "occurred_after=2000-01-01T00:00:00Z&occurred_before=2999-01-01T00:00:00Z"
    const filtered = ok(await call("GET audit_event", { query: `actor_type=api_token&action=agent.create&${window}` }), List(AuditEvent))
    expect(filtered.summaries.length).toBeGreaterThan(0)
    expect(filtered.summaries.every((event) => event.action === "agent.create" && event.actor.type === "api_token")).toBe(true)
  })

  it("GET audit_event/verify: the chain holds over every event", async () => {
    const verified = ok(await call("GET audit_event/verify"), Details(AuditVerification)).details
    expect(verified).toMatchObject({ valid: true, first_mismatch: null })
    expect(verified.head?.sequence).toBe(verified.events)
  })
}
