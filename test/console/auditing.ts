/**
 * The audit log in the console, over actions the test performs with the account token (a token
 * created, a run terminated): the events newest first, who made each (linked to the token's
 * page) and what it changed (linked to the record); filters written to the address and read back
 * from it; an event opened to its record before and after; and Verify chain saying that the chain
 * holds over as many events as the API counts (and, given a broken chain's answer, where it breaks). A deployment token is offered neither the log nor
 * erasure.
 */
import { Schema } from "effect"
import type { Browser } from "playwright-core"
import { expect, it } from "vitest"
import { problemsOf, screenshot, signedIn } from "../support/console/browser.js"
import { recordRun } from "../support/console/runs.js"
import type { World } from "../support/console/world.js"
import { call, expectAnswer } from "../support/jsonClient.js"
import { CreatedToken, Details } from "../support/resources.js"

const Principal = Details(Schema.Struct({ token_id: Schema.String }))
const Verified = Details(Schema.Struct({ valid: Schema.Boolean, events: Schema.Number, head: Schema.Struct({ sequence: Schema.Number, hash: Schema.String }) }))

export const auditing = (world: () => World, browser: () => Browser): void => {
  it("lists the events of what was just done, filters them through the address, opens one's before and after, and verifies the chain", async () => {
    const { other, token, url } = world()
    const me = expectAnswer(await call(url, token, "GET", "/api/v1/ping"), 200, Principal, "ping").details.token_id
    const created = expectAnswer(await call(url, token, "POST", "/api/v1/api_token", { details: { token_scope: "account" } }), 201, CreatedToken, "a token")
    const { runId } = await recordRun(url, other, { spans: [{ payload: { step: 1 }, result: { ok: true } }], open: true })
    expect((await call(url, token, "POST", `/api/v1/agent_instance/${runId}/terminate`, { reason: "audited by the console's test" })).status).toBe(200)

    const page = await signedIn(browser(), url, token, "/audit")
    const table = page.getByRole("table", { name: /^Events, newest first/ })
    const rows = table.getByRole("row")
    // Newest first: the termination, then the token's creation (the run's recording is ingest, not an event).
    await expect.poll(() => rows.nth(1).textContent()).toContain("agent_instance.terminate")
    const terminated = rows.nth(1)
    await expect(terminated.getByRole("link", { name: /^token / }).getAttribute("href")).resolves.toBe(`/tokens/${me}`)
    await expect.poll(() => terminated.getByRole("link", { name: /^run / }).getAttribute("href")).toBe(`/runs/${runId}`)
    const minted = table.getByRole("row").filter({ hasText: "api_token.create" }).filter({ has: page.locator(`[title="token ${created.details.id}"]`) })
    await expect.poll(() => minted.count()).toBe(1)
    await screenshot(page, "audit")

    // An event opened: the run before (active) and after (terminated), the fields that changed.
    const sequence = Number(await terminated.getByRole("cell").first().textContent())
    await terminated.getByRole("button", { name: `Show before and after of event ${sequence}` }).click()
    const opened = page.locator(".event-details")
    await expect.poll(() => opened.locator(".changed").textContent()).toMatch(/^Changed: .*status/)
    await expect(opened.getByRole("figure", { name: "Before" }).textContent()).resolves.toContain('"status": "active"')
    await expect(opened.getByRole("figure", { name: "After" }).textContent()).resolves.toContain('"status": "terminated"')
    await expect(opened.getByRole("figure", { name: "After" }).textContent()).resolves.toContain('"termination_reason": "audited by the console\'s test"')
    await screenshot(page, "audit-event")

    // Filters go to the address…
    const filters = page.getByRole("form", { name: "Filter the audit log" })
    await filters.getByLabel("Action").fill("api_token.create")
    await filters.getByLabel("Made by").selectOption("api_token")
    await filters.getByRole("button", { name: "Apply filters" }).click()
    await page.waitForURL(`${url}/audit?actor_type=api_token&action=api_token.create`)
    await expect.poll(async () => new Set(await table.getByRole("rowheader").allTextContents())).toEqual(new Set(["api_token.create"]))
    await expect.poll(() => minted.count()).toBe(1)
    // …and come back from it: the address alone opens the same view, its filters filled in.
    const shared = await signedIn(browser(), url, token, `/audit?entity=agent_instance&entity_id=${runId}`)
    const sharedTable = shared.getByRole("table", { name: /^Events, newest first/ })
    await expect.poll(() => sharedTable.getByRole("rowheader").allTextContents()).toEqual(["agent_instance.terminate"])
    await expect(shared.getByLabel("Record kind").inputValue()).resolves.toBe("agent_instance")
    await expect(shared.getByLabel("Record id").inputValue()).resolves.toBe(runId)
    await shared.getByLabel("Action").fill("agent.delete")
    await shared.getByRole("button", { name: "Apply filters" }).click()
    await expect.poll(() => shared.getByRole("main").textContent()).toContain("No event matches these filters")
    await shared.context().close()

    // The chain holds, over every event the API counts.
    await page.getByRole("button", { name: "Verify chain" }).click()
    const verdict = page.getByRole("status").filter({ hasText: "The chain" })
    await expect.poll(() => verdict.textContent()).toContain("✓ The chain holds.")
    const api = expectAnswer(await call(url, token, "GET", "/api/v1/audit_event/verify"), 200, Verified, "verify").details
    expect(api.valid).toBe(true)
    await expect(verdict.locator(".covered").textContent()).resolves.toBe(String(api.events))
    await expect(verdict.textContent()).resolves.toContain(`event #${api.head.sequence}, hash ${api.head.hash}`)
    await screenshot(page, "audit-verified")

    // A broken chain, as the API answers one (its own tests edit rows behind the ledger's back to get
    // it; here the answer is given to this page alone): the console names the first mismatch and why.
    const broken = await signedIn(browser(), url, token, "/audit")
    await broken.route("**/api/v1/audit_event/verify", (route) =>
      route.fulfill({
        status: 200,
        contentType: "application/json",
        body: JSON.stringify({
          status: "success",
          details: { valid: false, events: 4, first_mismatch: { sequence: 5, id: "01m95knf5gbhq24xgt8rjnerqb3864p2", reason: "altered" }, head: { sequence: 4, hash: "a".repeat(64) } }
        })
      }))
    await broken.getByRole("button", { name: "Verify chain" }).click()
    const brokenVerdict = broken.getByRole("status").filter({ hasText: "The chain" })
    await expect.poll(() => brokenVerdict.textContent()).toContain("✗ The chain does not hold. 4 events before the first mismatch verify.")
    await expect(brokenVerdict.locator(".mismatch").textContent()).resolves.toBe(
      "event #5 (01m95knf5gbhq24xgt8rjnerqb3864p2): its hash is not the hash of its content: it was changed after it was written"
    )
    await screenshot(broken, "audit-broken-chain")
    await broken.context().close()

    // Who leads to the token's page, and from there back into the log.
    await filters.getByRole("button", { name: "Clear" }).click()
    await page.waitForURL(`${url}/audit`)
    await minted.getByRole("link", { name: /^token / }).first().click()
    await page.waitForURL(`${url}/tokens/${me}`)
    await expect.poll(() => page.getByRole("main").textContent()).toContain("the whole account")
    await page.getByRole("link", { name: "Changes made with this token" }).click()
    await page.waitForURL(`${url}/audit?actor_type=api_token&actor_id=${me}`)
    await expect.poll(() => page.getByRole("rowheader").count()).toBeGreaterThan(1)
    expect(problemsOf(page)).toEqual([])
    await page.context().close()
  })

  it("offers a deployment token neither the audit log, the retention settings nor erasure", async () => {
    const { reviewed, url } = world()
    const page = await signedIn(browser(), url, reviewed.token, `/runs/${reviewed.runId}`)
    await expect.poll(() => page.getByRole("treeitem").count()).toBe(5)
    const nav = page.getByRole("navigation", { name: "Console" })
    await expect(nav.getByRole("link", { name: "Audit log" }).count()).resolves.toBe(0)
    for (const offered of ["Delete run…", "Redact payloads…"]) await expect(page.getByRole("button", { name: offered }).count()).resolves.toBe(0)
    for (const path of ["/audit", "/retention"]) {
      await page.goto(`${url}${path}`)
      await page.getByLabel("API token").fill(reviewed.token)
      await page.getByRole("button", { name: "Sign in" }).click()
      await expect.poll(() => page.getByRole("main").textContent()).toContain("This page needs an account token")
    }
    await expect(page.getByRole("button", { name: "Verify chain" }).count()).resolves.toBe(0)
    await screenshot(page, "deployment-token-audit")
    // The API refuses it too: the console only spares it the buttons.
    expect((await call(url, reviewed.token, "GET", "/api/v1/audit_event")).status).toBe(403)
    expect(problemsOf(page)).toEqual([])
    await page.context().close()
  })
}
