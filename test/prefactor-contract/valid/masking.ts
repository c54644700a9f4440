/**
 * Valid requests: the account's masking policy, read (off until set) and replaced. Each answer
 * must decode with its reference Schema.
 */
import { expect, it } from "vitest"
import { Details } from "../../support/contract/envelopes.js"
import { MaskingPolicy } from "../../support/contract/masking.js"
import type { ContractSession } from "../../support/contract/session.js"

/** The valid requests of the masking policy. */
export const maskingRequests = (contract: ContractSession): void => {
  const { call, ok } = contract

  it("GET masking_policy", async () => {
    const policy = ok(await call("GET masking_policy"), Details(MaskingPolicy))
    expect(policy.details.categories).toBeInstanceOf(Array)
  })

  it("PUT masking_policy, then PUT it off again", async () => {
    const policy = ok(
      await call("PUT masking_policy", { body: { details: { categories: ["authentication_and_secrets"], keys: ["password"] } } }),
      Details(MaskingPolicy)
    )
    expect(policy.details).toMatchObject({ categories: ["authentication_and_secrets"], keys: ["password"] })
    // Off again, so the requests after this one record their spans as sent.
    expect(ok(await call("PUT masking_policy", { body: { details: {} } }), Details(MaskingPolicy)).details).toMatchObject({ categories: [], keys: [] })
  })
}
