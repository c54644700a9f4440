/**
 * The reference's query parameters: every list sorted by `-id` as the Python SDK sends it
 * (newest first), and an agent read with its instance counts.
 */
import { Schema } from "effect"
import { expect, it } from "vitest"
import { field } from "../support/json.js"
import { decode } from "../support/contract/decode.js"
import { List } from "../support/contract/envelopes.js"
import { Pfid } from "../support/contract/fields.js"
import { SpanCounts } from "../support/contract/runs.js"
import type { ContractSession } from "../support/contract/session.js"

/** The tests of the query parameters, on the records the valid requests created. */
export const queryParameters = (contract: ContractSession): void => {
  const { call, ok, the } = contract

  const lists = [
    "GET environment",
    "GET agent",
    "GET agent_version",
    "GET agent_schema_version",
    "GET agent_deployment",
    "GET agent_instance",
    "GET agent_spans",
    "GET api_token",
    "GET risk_profile"
  ]

  it.each(lists)("%s?sorting=-id (the Python SDK's order): newest first", async (route) => {
    const byAgent = route === "GET agent_version" || route === "GET agent_schema_version" ? `agent_id=${the("agent")}&` : ""
    const page = ok(await call(route, { query: `${byAgent}sorting=-id&pagination[page_size]=100` }), List(Schema.Struct({ id: Pfid })))
    expect(page.sorting).toEqual({ field: "id", direction: "desc" })
    const ids = page.summaries.map((item) => item.id)
    expect(ids).toEqual([...ids].sort().reverse())
  })

  it("GET agent/{id}?include_counts=true carries instance_counts (the Prefactor platform's API)", async () => {
    const answer = await call("GET agent/{id}", { id: the("agent"), query: "include_counts=true" })
    expect(answer.status).toBe(200)
    const counts = decode(SpanCounts, field(answer.body, "details", "instance_counts"), "GET agent/{id}?include_counts=true: details.instance_counts")
    expect(counts).toMatchObject({ total: 2, complete: 1, terminated: 1, finished: 2 })
  })
}
