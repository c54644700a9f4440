/**
 * The account's records in the console: an agent's page (its versions with their theoretical
 * risk — one tool span type, 4.5 points — its schema and its deployments),
 * environments, and tokens — a new deployment token's secret shown once, then suspended, after
 * which the API refuses it.
 */
import { expect, it } from "vitest"
import type { Browser } from "playwright-core"
import { problemsOf, screenshot, signedIn } from "../support/console/browser.js"
import type { World } from "../support/console/world.js"

export const administering = (world: () => World, browser: () => Browser): void => {
  it("shows an agent's versions, schema and deployments", async () => {
    const { reviewed, token, url } = world()
    const page = await signedIn(browser(), url, token, "/agents")
    await expect.poll(() => page.getByRole("row").filter({ hasText: "Support bot" }).count()).toBe(1)
    await screenshot(page, "agents")
    await page.getByRole("link", { name: "Support bot" }).click()
    await page.waitForURL(`${url}/agents/${reviewed.agentId}`)
    const versions = page.getByRole("table", { name: /^Versions/ })
    await expect.poll(() => versions.getByRole("row").filter({ hasText: "1.0.0" }).textContent()).toMatch(/production.*1 run.*4\.5\s*low\s*within the agreed risk/s)
    await screenshot(page, "agent-versions")
    await page.getByRole("tab", { name: "Schema" }).click()
    await expect.poll(() => page.getByRole("tabpanel").textContent()).toContain("Order lookup")
    await expect(page.getByRole("tabpanel").textContent()).resolves.toMatch(/Allowed actions\s*read data/)
    await screenshot(page, "agent-schema")
    await page.getByRole("tab", { name: "Deployments" }).click()
    await expect.poll(() => page.getByRole("heading", { name: /^production: 1\.0\.0 \(#1\)$/ }).count()).toBe(1)
    await screenshot(page, "agent-deployments")
    expect(problemsOf(page)).toEqual([])
    await page.context().close()
  })

  it("creates a deployment token whose secret is shown once, and suspends it", async () => {
    const { token, url } = world()
    const page = await signedIn(browser(), url, token, "/environments")
    await expect.poll(() => page.getByRole("row").filter({ hasText: "production" }).count()).toBe(1)
    await screenshot(page, "environments")
    await page.getByRole("link", { name: "Tokens" }).click()
    const form = page.getByRole("form", { name: "Create a token" })
    await form.getByLabel("Deployment").selectOption({ label: "Support bot · production" })
    await form.getByRole("button", { name: "Create token" }).click()
    const secret = page.locator("[data-secret]")
    await secret.waitFor()
    const shown = (await secret.textContent()) ?? ""
    expect(shown).toMatch(/^pf_/)
    await screenshot(page, "tokens-secret")
    const ping = () => fetch(`${url}/api/v1/ping`, { headers: { authorization: `Bearer ${shown}` } }).then((answer) => answer.status)
    expect(await ping()).toBe(200)
    await page.getByRole("button", { name: "I have stored it" }).click()
    await expect(secret.count()).resolves.toBe(0)
    // Shown once: nothing on the page holds it any more.
    await expect(page.content()).resolves.not.toContain(shown)
    const row = page.getByRole("row").filter({ hasText: "Support bot · production" }).filter({ hasText: "active" }).first()
    await row.getByRole("button", { name: /^suspend token/ }).click()
    await expect.poll(() => page.getByRole("status").filter({ hasText: "is now suspended" }).count()).toBe(1)
    await screenshot(page, "tokens")
    await expect.poll(ping, { timeout: 5_000 }).toBe(401)
    expect(problemsOf(page)).toEqual([])
    await page.context().close()
  })
}
