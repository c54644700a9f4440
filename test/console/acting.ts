/**
 * What a reviewer with the account token changes: terminates an open run (asked for a reason; its
 * open spans become terminated, in the page and in the API) and edits a risk profile (a new
 * revision, in the page and in the API).
 */
import { Schema } from "effect"
import { expect, it } from "vitest"
import type { Browser } from "playwright-core"
import { problemsOf, screenshot, signedIn } from "../support/console/browser.js"
import type { World } from "../support/console/world.js"
import { call, expectAnswer } from "../support/jsonClient.js"
import { Details, List } from "../support/resources.js"

const Outline = List(Schema.Struct({ id: Schema.String, status: Schema.String }))
const Terminated = Details(Schema.Struct({ status: Schema.String, termination_reason: Schema.NullOr(Schema.String) }))
const Profile = Details(Schema.Struct({ revision: Schema.Number, current_revision: Schema.Struct({ rules: Schema.Struct({ thresholds: Schema.Struct({ medium: Schema.Number }) }) }) }))

export const actingOnRuns = (world: () => World, browser: () => Browser): void => {
  it("terminates an open run with a reason; its open spans become terminated", async () => {
    const { other, token, url } = world()
    const page = await signedIn(browser(), url, token, `/runs/${other.runId}`)
    const items = page.getByRole("treeitem")
    await expect.poll(() => items.count()).toBe(3)
    await expect(page.getByRole("treeitem", { name: /still open/ }).count()).resolves.toBe(2)
    await page.getByRole("button", { name: "Terminate…" }).click()
    const dialog = page.getByRole("dialog", { name: "Terminate this run" })
    // No reason, no termination: the console says what is missing.
    await dialog.getByRole("button", { name: "Terminate run" }).click()
    await expect(dialog.getByLabel("Reason (kept on the run)").evaluate((field) => field instanceof HTMLTextAreaElement && field.validity.valueMissing)).resolves.toBe(true)
    await dialog.getByLabel("Reason (kept on the run)").fill("refund loop: stopped by a reviewer")
    await screenshot(page, "run-terminate")
    await dialog.getByRole("button", { name: "Terminate run" }).click()
    await expect.poll(() => page.locator(".notice").textContent()).toContain("refund loop: stopped by a reviewer")
    await expect.poll(() => page.getByRole("treeitem", { name: /, terminated,/ }).count()).toBe(2)
    await expect(page.getByRole("treeitem", { name: /still open/ }).count()).resolves.toBe(0)
    await expect(page.getByRole("button", { name: "Terminate…" }).count()).resolves.toBe(0)
    await screenshot(page, "run-terminated")

    const run = expectAnswer(await call(url, token, "GET", `/api/v1/agent_instance/${other.runId}`), 200, Terminated, "the run").details
    expect(run).toEqual({ status: "terminated", termination_reason: "refund loop: stopped by a reviewer" })
    const spans = expectAnswer(await call(url, token, "GET", `/api/v1/agent_instance/${other.runId}/spans`), 200, Outline, "its spans").summaries
    expect(spans.map((span) => span.status).sort()).toEqual(["complete", "terminated", "terminated"])
    expect(problemsOf(page)).toEqual([])
    await page.context().close()
  })

  it("edits a risk profile: the edit is a new revision", async () => {
    const { profileId, token, url } = world()
    const page = await signedIn(browser(), url, token, `/profiles/${profileId}`)
    await expect.poll(() => page.locator(".revision").textContent()).toBe("1")
    await page.getByRole("button", { name: "Edit" }).click()
    const form = page.getByRole("form", { name: "Edit the risk profile" })
    // A rule the API refuses is said in words, field by field, and nothing is saved.
    await form.getByLabel("medium from (points)").fill("50")
    await form.getByRole("button", { name: "Save as a new revision" }).click()
    await expect.poll(() => form.getByRole("alert").textContent()).toContain("Some of what was sent was not accepted")
    await form.getByLabel("medium from (points)").fill("6")
    await form.getByLabel("contact information included").check()
    await form.getByLabel("contact information weight").fill("2")
    await screenshot(page, "profile-edit")
    await form.getByRole("button", { name: "Save as a new revision" }).click()
    await expect.poll(() => page.getByRole("status").filter({ hasText: "Saved as revision 2" }).count()).toBe(1)
    await expect.poll(() => page.locator(".revision").textContent()).toBe("2")
    const revisions = page.getByRole("table", { name: "Every revision, newest first" }).getByRole("row")
    await expect.poll(() => revisions.count()).toBe(3)
    await screenshot(page, "profile")

    const saved = expectAnswer(await call(url, token, "GET", `/api/v1/risk_profile/${profileId}`), 200, Profile, "the profile").details
    expect(saved).toEqual({ revision: 2, current_revision: { rules: { thresholds: { medium: 6 } } } })
    expect(problemsOf(page)).toEqual([])
    await page.context().close()
  })
}
