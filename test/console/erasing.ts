/**
 * Erasure in the console, with the account token, on runs each test records for itself: a run
 * deleted through its confirmation (cancelled first: nothing deleted; a wrong id: nothing
 * deleted; then confirmed: the API answers 404 for it and its spans, the runs list no longer
 * shows it, the audit log says it no longer exists), a run redacted (its spans show the marker,
 * in the page and in the API), an agent's runs of a window erased, with the counts, and the
 * retention policy set (days out of range refused, then saved as the API keeps it).
 */
import { Schema } from "effect"
import type { Browser, Page } from "playwright-core"
import { expect, it } from "vitest"
import { problemsOf, screenshot, signedIn } from "../support/console/browser.js"
import { recordRun } from "../support/console/runs.js"
import type { World } from "../support/console/world.js"
import { deployAgent } from "../support/deployAgent.js"
import { call, expectAnswer } from "../support/jsonClient.js"
import { Created, Details, List } from "../support/resources.js"

const Payloads = Details(Schema.Struct({ payload: Schema.Unknown, result_payload: Schema.Unknown }))
const Redacted = Details(Schema.Struct({ redacted_at: Schema.NullOr(Schema.String) }))
const Policy = Details(Schema.Struct({
  run_days: Schema.NullOr(Schema.Number),
  environments: Schema.Array(Schema.Struct({ environment_id: Schema.String, run_days: Schema.NullOr(Schema.Number) }))
}))

const status = async (url: string, token: string, path: string): Promise<number> => (await call(url, token, "GET", path)).status

/** A `datetime-local` value in the browser's (and this process's) local time. */
const localInput = (at: Date): string => {
  const pad = (n: number) => String(n).padStart(2, "0")
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`
}

const treeOf = async (page: Page, spans: number): Promise<void> => {
  await expect.poll(() => page.getByRole("treeitem").count()).toBe(spans)
}

export const erasing = (world: () => World, browser: () => Browser): void => {
  it("deletes a run only once its id is typed in the confirmation; afterwards the API and the runs list no longer have it", async () => {
    const { other, reviewed, token, url } = world()
    const { runId, spanIds } = await recordRun(url, other, {
      spans: [{ payload: { order_id: "D-1" }, result: { ok: true } }, { payload: { order_id: "D-2" }, result: { ok: true } }]
    })
    const page = await signedIn(browser(), url, token, `/runs/${runId}`)
    await treeOf(page, 2)
    const dialog = page.getByRole("dialog", { name: "Delete this run" })

    // Cancelled: nothing deleted.
    await page.getByRole("button", { name: "Delete run…" }).click()
    await expect(dialog.textContent()).resolves.toMatch(/deletes the run and its 2 spans.*cannot be undone/s)
    await expect(dialog.locator(".phrase").textContent()).resolves.toBe(runId)
    await dialog.getByRole("button", { name: "Cancel" }).click()
    await expect.poll(() => dialog.isVisible()).toBe(false)
    expect(await status(url, token, `/api/v1/agent_instance/${runId}`)).toBe(200)

    // Confirmed without the id, or with another: nothing deleted, and the dialog says why.
    await page.getByRole("button", { name: "Delete run…" }).click()
    await dialog.getByRole("button", { name: "Delete run" }).click()
    await expect.poll(() => dialog.getByRole("alert").textContent()).toContain("Nothing was done: type the run's id exactly as shown")
    await dialog.getByLabel("Type the run's id to confirm").fill(reviewed.runId)
    await dialog.getByRole("button", { name: "Delete run" }).click()
    await expect.poll(() => dialog.getByRole("alert").count()).toBe(1)
    expect(await status(url, token, `/api/v1/agent_instance/${runId}`)).toBe(200)

    await dialog.getByLabel("Type the run's id to confirm").fill(runId)
    await screenshot(page, "run-delete-confirm")
    await dialog.getByRole("button", { name: "Delete run" }).click()
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toMatch(/^Run .* deleted$/)
    await expect(page.getByRole("main").textContent()).resolves.toContain(`The run ${runId} is gone: it was deleted with 2 spans`)
    await screenshot(page, "run-deleted")
    expect(await status(url, token, `/api/v1/agent_instance/${runId}`)).toBe(404)
    for (const span of spanIds) expect(await status(url, token, `/api/v1/agent_spans/${span}`)).toBe(404)

    await expect(page.getByRole("link", { name: "Its deletion in the audit log" }).getAttribute("href")).resolves.toBe(
      `/audit?entity=agent_instance&entity_id=${runId}`
    )

    // The way back: the runs list, which no longer shows it.
    await page.getByRole("link", { name: "Back to the runs list" }).click()
    await page.waitForURL(`${url}/runs`)
    const runs = page.getByRole("table", { name: "Runs, as filtered" })
    await expect.poll(() => runs.locator(`a[title="${reviewed.runId}"]`).count()).toBe(1)
    await expect(runs.locator(`a[title="${runId}"]`).count()).resolves.toBe(0)

    // The audit log has the deletion, and says the run no longer exists.
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Audit log" }).click()
    const filters = page.getByRole("form", { name: "Filter the audit log" })
    await filters.getByLabel("Record id").fill(runId)
    await filters.getByRole("button", { name: "Apply filters" }).click()
    await page.waitForURL(`${url}/audit?entity_id=${runId}`)
    const row = page.getByRole("row").filter({ hasText: "agent_instance.delete" })
    await expect.poll(() => row.count()).toBe(1)
    await expect.poll(() => row.textContent()).toContain("(no longer exists)")
    await screenshot(page, "audit-deleted-run")
    expect(problemsOf(page)).toEqual([])
    await page.context().close()
  })

  it("redacts a finished run's payloads; its spans show the marker", async () => {
    const { other, token, url } = world()
    const { runId, spanIds } = await recordRun(url, other, { spans: [{ payload: { email: "someone@example.com" }, result: { order: "R-7 ships today" } }] })
    const page = await signedIn(browser(), url, token, `/runs/${runId}`)
    await treeOf(page, 1)
    await page.getByRole("treeitem").first().click()
    const details = page.getByRole("complementary", { name: "Span details" })
    await expect.poll(() => details.textContent()).toContain("someone@example.com")

    await page.getByRole("button", { name: "Redact payloads…" }).click()
    const dialog = page.getByRole("dialog", { name: "Redact this run's payloads" })
    await expect(dialog.textContent()).resolves.toMatch(/replaces the inputs \(payload\) and outputs \(result\) of each of the run's 1 span by \{"redacted": true\}/)
    await dialog.getByLabel("Type the run's id to confirm").fill(runId)
    await dialog.getByRole("button", { name: "Redact payloads" }).click()
    await expect.poll(() => page.locator(".run .page-head .notice.redacted").textContent()).toContain("Payloads redacted")
    await expect.poll(() => details.textContent()).toContain("Redacted: this span's inputs and outputs were erased")
    const shown = await details.getByRole("figure").allTextContents()
    expect(shown.map((text) => text.replace(/\s+/g, ""))).toEqual(['Inputs(payload){"redacted":true}', 'Outputs(result){"redacted":true}'])
    await expect(page.content()).resolves.not.toContain("someone@example.com")
    await expect(page.getByRole("button", { name: "Redact payloads…" }).count()).resolves.toBe(0)
    await screenshot(page, "run-redacted")

    expect(expectAnswer(await call(url, token, "GET", `/api/v1/agent_instance/${runId}`), 200, Redacted, "the run").details.redacted_at).not.toBeNull()
    const [spanId] = spanIds
    const span = expectAnswer(await call(url, token, "GET", `/api/v1/agent_spans/${spanId}`), 200, Payloads, "its span").details
    expect(span).toEqual({ payload: { redacted: true }, result_payload: { redacted: true } })
    expect(problemsOf(page)).toEqual([])
    await page.context().close()
  })

  it("erases an agent's runs of a window, confirmed with the agent's name, and says what it erased", async () => {
    const { token, url } = world()
    const agent = await deployAgent(url, token, { name: "Erasure bot" })
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000)
    const old = await recordRun(url, agent, { startedAt: twoDaysAgo.toISOString(), spans: [{ payload: { n: 1 }, result: { n: 1 } }] })
    await recordRun(url, agent, { spans: [{ payload: { n: 2 }, result: { n: 2 } }, { payload: { n: 3 }, result: { n: 3 } }] })
    await recordRun(url, agent, { spans: [{ payload: { n: 4 }, result: { n: 4 } }] })
    const page = await signedIn(browser(), url, token, `/agents/${agent.agentId}`)
    await page.getByRole("button", { name: "Erase runs…" }).click()
    const dialog = page.getByRole("dialog", { name: "Erase runs of Erasure bot" })
    await expect.poll(() => dialog.textContent()).toContain("3 runs of this agent started at any time")
    // The window: the last day only; the run of two days ago stays.
    await dialog.getByLabel("From (empty: no bound)").fill(localInput(new Date(Date.now() - 86_400_000)))
    await expect.poll(() => dialog.textContent()).toMatch(/2 runs of this agent started from .* on/)
    await dialog.getByLabel("Delete the runs with their spans").check()
    await dialog.getByLabel("Type the agent's name to confirm").fill("Erasure bo")
    await dialog.getByRole("button", { name: "Delete these runs" }).click()
    await expect.poll(() => dialog.getByRole("alert").textContent()).toContain("Nothing was done")
    await dialog.getByLabel("Type the agent's name to confirm").fill("Erasure bot")
    await screenshot(page, "agent-erase-confirm")
    await dialog.getByRole("button", { name: "Delete these runs" }).click()
    await expect.poll(() => page.getByRole("status").filter({ hasText: "Deleted 2 runs (3 spans), in 1 unit of work." }).count()).toBe(1)
    await screenshot(page, "agent-erased")

    const left = expectAnswer(await call(url, token, "GET", `/api/v1/agent_instance?agent_id=${agent.agentId}`), 200, List(Created), "the agent's runs")
    expect(left.summaries.map((run) => run.id)).toEqual([old.runId])
    expect(problemsOf(page)).toEqual([])
    await page.context().close()
  })

  it("sets the retention policy: the account's days and an environment's own rule", async () => {
    const { other, token, url } = world()
    const page = await signedIn(browser(), url, token, "/retention")
    const form = page.getByRole("form", { name: "Retention policy" })
    await expect.poll(() => page.getByRole("main").textContent()).toContain("Runs are kept forever.")
    // Days out of range are refused in the form itself (the API refuses them too), and nothing is saved.
    const days = form.getByLabel("Days the account keeps a finished run (empty: forever)")
    await days.fill("0")
    await form.getByRole("button", { name: "Save policy" }).click()
    await expect(days.evaluate((field) => field instanceof HTMLInputElement && field.validity.rangeUnderflow)).resolves.toBe(true)
    expect(expectAnswer(await call(url, token, "GET", "/api/v1/retention_policy"), 200, Policy, "the policy").details.run_days).toBeNull()
    await form.getByLabel("Days the account keeps a finished run (empty: forever)").fill("400")
    await form.getByLabel("production: rule").selectOption("days")
    await form.getByLabel("production: days").fill("90")
    await screenshot(page, "retention")
    await form.getByRole("button", { name: "Save policy" }).click()
    await expect.poll(() => page.getByRole("status").filter({ hasText: "Saved." }).textContent()).toContain(
      "Runs are deleted 400 days after they finish, except in 1 environment with a rule of its own."
    )
    const saved = expectAnswer(await call(url, token, "GET", "/api/v1/retention_policy"), 200, Policy, "the policy").details
    expect(saved).toEqual({ run_days: 400, environments: [{ environment_id: other.environmentId, run_days: 90 }] })
    // Back to keeping every run, as the other sections expect.
    await form.getByLabel("Days the account keeps a finished run (empty: forever)").fill("")
    await form.getByLabel("production: rule").selectOption("account")
    await form.getByRole("button", { name: "Save policy" }).click()
    await expect.poll(() => page.getByRole("status").filter({ hasText: "Saved." }).textContent()).toContain("Runs are kept forever.")
    expect(problemsOf(page)).toEqual([])
    await page.context().close()
  })
}
