/**
 * Valid requests: the agent's versions and schema versions that the runs registered (with a
 * version's theoretical risk and its agreed-risk violation), and moving the deployment between
 * them, every move in its history. Each answer must decode with its reference Schema.
 */
import { expect, it } from "vitest"
import { AgentDeployment, AgentDeploymentWithHistory, AgentSchemaVersion, AgentVersion } from "../../support/contract/catalog.js"
import { Details, List } from "../../support/contract/envelopes.js"
import { VersionRisk } from "../../support/contract/risk.js"
import type { ContractSession } from "../../support/contract/session.js"

/** The valid requests of versions, schema versions and deployment moves. */
export const versionRequests = (contract: ContractSession): void => {
  const { call, keep, ok, text, the } = contract

  // --- versions and schema versions

  it("GET agent_version, filtered by agent: both versions", async () => {
    const page = ok(await call("GET agent_version", { query: `agent_id=${the("agent")}` }), List(AgentVersion))
    expect(page.summaries.map((version) => version.id).sort()).toEqual([the("version 1"), the("version 2")].sort())
  })

  it("GET agent_version/{id}", async () => {
    const answer = await call("GET agent_version/{id}", { id: the("version 1") })
    keep("schema version", text(answer, "details", "agent_schema_version_id"))
    expect(ok(answer, Details(AgentVersion)).details).toMatchObject({ id: the("version 1"), external_identifier: "1.0.0" })
  })

  it("GET agent_version/{id}/risk: theoretical risk and the agreed-risk violation", async () => {
    const risk = ok(await call("GET agent_version/{id}/risk", { id: the("version 1") }), Details(VersionRisk))
    expect(risk.details.theoretical.total).toBeGreaterThan(0)
    expect(risk.details.violations).toContainEqual(expect.objectContaining({ schema_name: "payments:charge", key: "financial_information" }))
  })

  it("GET agent_schema_version, filtered by agent", async () => {
    const page = ok(await call("GET agent_schema_version", { query: `agent_id=${the("agent")}` }), List(AgentSchemaVersion))
    expect(page.summaries.map((version) => version.id)).toContain(the("schema version"))
  })

  it("GET agent_schema_version/{id}: the span types by name", async () => {
    const version = ok(await call("GET agent_schema_version/{id}", { id: the("schema version") }), Details(AgentSchemaVersion))
    expect(Object.keys(version.details.span_type_schemas).sort()).toEqual(["agent", "crm:lookup", "llm", "payments:charge"])
  })

  // --- moving the deployment

  it("PUT agent_deployment/{id}", async () => {
    const id = the("deployment")
    const moved = ok(await call("PUT agent_deployment/{id}", { id, body: { details: { current_version_id: the("version 1") } } }), Details(AgentDeployment))
    expect(moved.details.current_version_id).toBe(the("version 1"))
    const back = ok(await call("PUT agent_deployment/{id}", { id, body: { details: { current_version_id: the("version 2") } } }), Details(AgentDeployment))
    expect(back.details.current_version_id).toBe(the("version 2"))
  })

  it("POST agent_deployment/{id}/rollback: every move in the history", async () => {
    const id = the("deployment")
    const rolledBack = ok(
      await call("POST agent_deployment/{id}/rollback", { id, body: { details: { version_id: the("version 1") } } }),
      Details(AgentDeploymentWithHistory)
    )
    expect(rolledBack.details.current_version_id).toBe(the("version 1"))
    const history = ok(await call("GET agent_deployment/{id}", { id }), Details(AgentDeploymentWithHistory)).details.history
    // run 1 → v1, run 2 → v2, PUT → v1, PUT → v2, rollback → v1
    expect(history.map((entry) => entry.to_version_id)).toEqual(
      expect.arrayContaining([the("version 1"), the("version 2")])
    )
    expect(history).toHaveLength(5)
  })
}
