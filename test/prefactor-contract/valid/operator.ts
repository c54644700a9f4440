/**
 * Valid requests: a bulk call, and the operator API opening an account whose token then works.
 * Each answer must decode with its reference Schema.
 */
import { expect, it } from "vitest"
import { field } from "../../support/json.js"
import { CreatedAccount, Principal } from "../../support/contract/access.js"
import { Agent } from "../../support/contract/catalog.js"
import { decode } from "../../support/contract/decode.js"
import { Bulk, Details } from "../../support/contract/envelopes.js"
import { unique } from "../../support/contract/requests.js"
import type { ContractSession } from "../../support/contract/session.js"

/** The valid requests of bulk and of the operator API. */
export const bulkAndOperatorRequests = (contract: ContractSession): void => {
  const { call, ok, server } = contract

  // --- bulk and the operator

  it("POST bulk", async () => {
    const key = unique("bulk-agent")
    const answer = await call("POST bulk", { body: { items: [{ _type: "agents/create", idempotency_key: key, details: { name: "Bulk bot" } }] } })
    const output = ok(answer, Bulk).outputs[key]
    expect(output).toMatchObject({ status: "success", _type: "agents/create" })
    decode(Agent, field(output, "details"), "POST bulk: the agents/create output's details")
  })

  it("POST admin/account with the operator token", async () => {
    const account = ok(await call("POST admin/account", { token: server().operatorToken, body: { details: { name: "Contract Co" } } }), CreatedAccount)
    expect(account.details.name).toBe("Contract Co")
    expect(account.api_token).toMatchObject({ account_id: account.details.id, token_scope: "account", status: "active" })
    expect(ok(await call("GET ping", { token: account.token }), Details(Principal)).details.account_id).toBe(account.details.id)
  })
}
