/**
 * A deployment token in the console: it is offered only what it may do — its own agent's runs
 * and overview (its chart of spans too), without Terminate and without the account's pages — and another agent's run is
 * not found.
 */
import { expect, it } from "vitest"
import type { Browser } from "playwright-core"
import { problemsOf, screenshot, signedIn } from "../support/console/browser.js"
import type { World } from "../support/console/world.js"

export const deploymentScope = (world: () => World, browser: () => Browser): void => {
  it("a deployment token sees only its agent", async () => {
    const { other, reviewed, url } = world()
    const page = await signedIn(browser(), url, reviewed.token, `/runs/${reviewed.runId}`)
    const nav = page.getByRole("navigation", { name: "Console" })
    await expect(nav.getByRole("link").allTextContents()).resolves.toEqual(["Overview"])
    await expect(page.locator(".who").textContent()).resolves.toContain("Deployment token")
    await expect.poll(() => page.getByRole("treeitem").count()).toBe(5)
    await expect(page.getByRole("button", { name: "Terminate…" }).count()).resolves.toBe(0)
    await screenshot(page, "deployment-token-run")
    // Its overview is its own agent's.
    await nav.getByRole("link", { name: "Overview" }).click()
    const agents = page.getByRole("table", { name: /^Agents and their runs/ })
    await expect.poll(() => agents.getByRole("rowheader").allTextContents()).toEqual(["Support bot"])
    // So is its chart of spans: the SDK's run's five, none of the other agent's.
    const chart = page.getByRole("figure", { name: /^Your agent's spans of the last day/ })
    await chart.waitFor()
    expect(await chart.getAttribute("data-total")).toBe("5")
    await screenshot(page, "deployment-token-overview")

    // An address typed in reloads the page, which forgets the token: each is opened signed in again.
    const opened = async (path: string) => {
      await page.goto(`${url}${path}`)
      await page.getByLabel("API token").fill(reviewed.token)
      await page.getByRole("button", { name: "Sign in" }).click()
      await page.getByRole("button", { name: "Sign out" }).waitFor()
    }
    await opened(`/runs/${other.runId}`)
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("Not found")
    await opened("/tokens")
    await expect.poll(() => page.getByRole("main").textContent()).toContain("This page needs an account token")
    await expect(page.getByRole("button", { name: "Create token" }).count()).resolves.toBe(0)
    expect(problemsOf(page)).toEqual([])
    await page.context().close()
  })
}
