/**
 * A reviewer with the account token: signs in (the token kept nowhere but the tab's memory),
 * finds the run the SDK recorded, opens a flagged span of its Activity and reads its error,
 * reads its Risk tab — whose total is the API's —, reads the chart of its spans over time — whose
 * total is the run's span count from the API, and which a screen reader reads as a table —,
 * reads which protocol and SDK reported a run in its stamps (the Prefactor API's, and an OTLP
 * exporter's), and signs out.
 */
import { expect, it } from "vitest"
import type { Browser } from "playwright-core"
import { freshPage, problemsOf, screenshot, signedIn } from "../support/console/browser.js"
import type { World } from "../support/console/world.js"
import { deployAgent } from "../support/deployAgent.js"
import { call, expectAnswer } from "../support/jsonClient.js"
import { reads } from "../support/otlpReads.js"
import { send } from "../support/otlpServer.js"
import { Created, Details, Instance, RiskReport } from "../support/resources.js"

/** One finished agent span, with the resource a Python SDK gives it, in OTLP/JSON. */
const otlpTrace = {
  resourceSpans: [{
    resource: {
      attributes: [
        { key: "telemetry.sdk.name", value: { stringValue: "opentelemetry" } },
        { key: "telemetry.sdk.language", value: { stringValue: "python" } },
        { key: "telemetry.sdk.version", value: { stringValue: "1.30.0" } }
      ]
    },
    scopeSpans: [{
      scope: { name: "agent" },
      spans: [{
        traceId: "5b8efff798038103d269b633813fc60c",
        spanId: "eee19b7ec3c1b174",
        name: "invoke_agent OTel bot",
        kind: 1,
        startTimeUnixNano: String(BigInt(Date.now() - 2_000) * 1_000_000n),
        endTimeUnixNano: String(BigInt(Date.now() - 1_000) * 1_000_000n),
        attributes: [{ key: "gen_ai.operation.name", value: { stringValue: "invoke_agent" } }],
        status: {}
      }]
    }]
  }]
}

export const reviewingRuns = (world: () => World, browser: () => Browser): void => {
  it("signs in with a pasted token kept in memory only, refuses a wrong one in words, and signs out", async () => {
    const { token, url } = world()
    const page = await freshPage(browser())
    await page.goto(`${url}/`)
    await screenshot(page, "sign-in")
    await page.getByLabel("API token").fill("pf_not-a-token-of-this-server")
    await page.getByRole("button", { name: "Sign in" }).click()
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("The token was not accepted")
    await page.getByLabel("API token").fill(token)
    await page.getByRole("button", { name: "Sign in" }).click()
    await page.getByRole("navigation", { name: "Console" }).waitFor()
    for (const label of ["Overview", "Runs", "Agents", "Risk profiles", "Environments", "Tokens"]) {
      await expect(page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: label }).count()).resolves.toBe(1)
    }
    // The overview: both agents, and the SDK's run (flagged) among the runs that need attention.
    const agents = page.getByRole("table", { name: /^Agents and their runs/ })
    await expect.poll(() => agents.getByRole("rowheader").allTextContents()).toEqual(["Billing bot", "Support bot"])
    const attention = page.getByRole("table", { name: "The newest flagged or high-risk runs" })
    await expect.poll(() => attention.getByRole("row").filter({ hasText: "Support bot" }).count()).toBe(1)
    const kept = await page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length, cookies: document.cookie, url: location.href }))
    expect(kept).toEqual({ local: 0, session: 0, cookies: "", url: `${url}/` })
    await screenshot(page, "overview")
    // A reload forgets the token: the console asks for it again.
    await page.reload()
    await page.getByLabel("API token").waitFor()
    await page.getByLabel("API token").fill(token)
    await page.getByRole("button", { name: "Sign in" }).click()
    await page.getByRole("button", { name: "Sign out" }).click()
    await expect.poll(() => page.getByRole("status").first().textContent()).toContain("Signed out")
    expect(await page.getByLabel("API token").inputValue()).toBe("")
    expect(problemsOf(page)).toEqual([])
    await page.context().close()
  })

  it("lists the SDK's run, opens it, and shows a flagged span's error when the span is opened", async () => {
    const { reviewed, token, url } = world()
    const page = await signedIn(browser(), url, token, "/runs")
    const row = page.getByRole("row").filter({ hasText: "Support bot" })
    await expect.poll(() => row.count()).toBe(1)
    await expect(row.textContent()).resolves.toMatch(/complete/)
    await expect.poll(() => page.getByRole("row").filter({ hasText: "Billing bot" }).count()).toBe(1)
    // The filters are the address's query, in the API's names: a filtered view can be shared.
    const filters = page.getByRole("form", { name: "Filter runs" })
    await filters.getByLabel("Conformance").selectOption({ label: "has flagged spans" })
    await filters.getByRole("button", { name: "Apply filters" }).click()
    await page.waitForURL(`${url}/runs?flagged=true`)
    await expect.poll(() => page.getByRole("row").filter({ hasText: "Billing bot" }).count()).toBe(0)
    await expect(row.count()).resolves.toBe(1)
    await screenshot(page, "runs")
    await page.goBack()
    await expect.poll(() => page.getByRole("row").filter({ hasText: "Billing bot" }).count()).toBe(1)
    await row.getByRole("link").click()
    await page.waitForURL(`${url}/runs/${reviewed.runId}`)
    await page.getByRole("tree", { name: "Spans of this run" }).waitFor()
    const items = page.getByRole("treeitem")
    await expect.poll(() => items.count()).toBe(5)
    // The stamps name what the run was recorded with.
    await expect.poll(() => page.locator(".stamps").textContent()).toMatch(/Support bot.*1\.0\.0 \(#1\).*support-console-1 \(#1\).*production/)

    const llm = page.getByRole("treeitem", { name: /^LLM call \(llm\)/ })
    await expect(llm.getAttribute("aria-label")).resolves.toContain("flagged: payload mismatch")
    await llm.click()
    const details = page.getByRole("complementary", { name: "Span details" })
    await expect.poll(() => details.textContent()).toContain("must have required property 'prompt'")
    await expect(details.textContent()).resolves.toContain("payload mismatch")
    await expect(details.getByRole("figure").first().textContent()).resolves.toContain("Summarise order A-1")
    expect(page.url()).toContain(`span=`)
    await screenshot(page, "run-activity")

    // The keyboard reaches every span: the tree takes focus, the arrows move, Enter opens.
    await page.getByRole("tree").focus()
    await page.keyboard.press("Home")
    await page.keyboard.press("ArrowDown")
    await page.keyboard.press("Enter")
    await expect.poll(() => details.getByRole("heading", { level: 3 }).textContent()).toBe("chain")
    expect(problemsOf(page)).toEqual([])
    await page.context().close()
  })

  it("shows the run's risk breakdown, whose total is the API's", async () => {
    const { reviewed, token, url } = world()
    const report = expectAnswer(await call(url, token, "GET", `/api/v1/agent_instance/${reviewed.runId}/risk`), 200, Details(RiskReport), "the risk report").details
    expect(report.total).toBe(9)
    const page = await signedIn(browser(), url, token, `/runs/${reviewed.runId}?tab=risk`)
    const total = page.locator(".risk-total")
    await total.waitFor()
    expect(Number(await total.textContent())).toBe(report.total)
    expect(await total.getAttribute("data-total")).toBe(String(report.total))
    const tool = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "tool" }) })
    await expect(tool.textContent()).resolves.toContain("9")
    await expect(page.getByRole("tabpanel").textContent()).resolves.toMatch(/level\s*medium/)
    await screenshot(page, "run-risk")
    expect(problemsOf(page)).toEqual([])
    await page.context().close()
  })

  it("charts the run's spans over time after its tree, the chart's total the run's span count from the API, and as a table", async () => {
    const { reviewed, token, url } = world()
    const run = expectAnswer(await call(url, token, "GET", `/api/v1/agent_instance/${reviewed.runId}`), 200, Details(Instance), "the run").details
    expect(run.span_counts.total).toBe(5)
    const page = await signedIn(browser(), url, token, `/runs/${reviewed.runId}`)
    const chart = page.getByRole("figure", { name: /^Spans over time/ })
    await chart.waitFor()
    // The tree is painted by the time the chart is read: it waits for the tree's first page.
    await expect(page.getByRole("tree", { name: "Spans of this run" }).count()).resolves.toBe(1)
    expect(await chart.getAttribute("data-total")).toBe(String(run.span_counts.total))
    await expect(chart.getByRole("img").getAttribute("aria-label")).resolves.toMatch(/^Spans over time: 5 spans \(/)
    for (const status of ["active", "complete", "failed"] as const) {
      await expect(chart.getByRole("list", { name: "Spans by status" }).textContent()).resolves.toContain(`${status} ${run.span_counts[status]}`)
    }
    // The same counts as a table, behind a disclosure the keyboard opens.
    await chart.getByText(/^The chart as a table/).focus()
    await page.keyboard.press("Enter")
    const table = chart.getByRole("table", { name: /^Spans over time: spans by status per 5-minute bucket/ })
    await table.waitFor()
    const all = await table.locator("tbody tr td:last-child").allTextContents()
    expect(all.reduce((sum, cell) => sum + Number(cell), 0)).toBe(run.span_counts.total)
    await screenshot(page, "run-chart")

    // The agent's page charts its spans of the last day: the run's among them.
    await page.goto(`${url}/agents/${reviewed.agentId}`)
    await page.getByLabel("API token").fill(token)
    await page.getByRole("button", { name: "Sign in" }).click()
    const agentChart = page.getByRole("figure", { name: /^Spans of the last day/ })
    await agentChart.waitFor()
    expect(Number(await agentChart.getAttribute("data-total"))).toBeGreaterThanOrEqual(run.span_counts.total)
    expect(problemsOf(page)).toEqual([])
    await page.context().close()
  })

  it("the run's stamps say which protocol and SDK reported it: the SDK a newer client names, none for @prefactor/core 0.2.9, an OTLP resource's", async () => {
    const { reviewed, token, url } = world()
    // A newer SDK's registration, of an agent of its own (no other section's counts move).
    const deployed = await deployAgent(url, token, { name: "Newer SDK bot" })
    const registered = await fetch(`${url}/api/v1/agent_instance/register`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${deployed.token}`,
        "content-type": "application/json",
        "x-prefactor-sdk": "@prefactor/langchain@0.3.0 @prefactor/core@0.4.3"
      },
      body: JSON.stringify({ agent_version: { external_identifier: "4.0.0", name: "Newer SDK bot" }, idempotency_key: crypto.randomUUID() })
    })
    const runId = expectAnswer({ status: registered.status, body: await registered.json() }, 201, Details(Created), "a newer SDK's registration").details.id
    const page = await signedIn(browser(), url, token, `/runs/${runId}`)
    const reportedBy = page.locator(".stamps div").filter({ has: page.getByText("Reported by", { exact: true }) })
    await expect.poll(() => reportedBy.locator("dd").textContent()).toBe("Prefactor API, @prefactor/langchain@0.3.0 @prefactor/core@0.4.3")
    await screenshot(page, "run-stamps-reported-by")
    // The run the real 0.2.9 SDK recorded: it names no SDK.
    await page.goto(`${url}/runs/${reviewed.runId}`)
    await page.getByLabel("API token").fill(token)
    await page.getByRole("button", { name: "Sign in" }).click()
    await expect.poll(() => reportedBy.locator("dd").textContent()).toBe("Prefactor API, no SDK named")
    // A run an OpenTelemetry exporter reported (OTLP/JSON, as the http exporter sends it): the
    // protocol, and the SDK its resource names.
    const exporting = await deployAgent(url, token, { name: "OTel bot" })
    const exported = await send(url, JSON.stringify(otlpTrace), { token: exporting.token, contentType: "application/json" })
    expect([exported.status, new TextDecoder().decode(exported.body)]).toEqual([200, "{}"])
    const [otlpRun] = await reads(url, token).runs(exporting.agentId)
    await page.goto(`${url}/runs/${otlpRun?.id ?? ""}`)
    await page.getByLabel("API token").fill(token)
    await page.getByRole("button", { name: "Sign in" }).click()
    await expect.poll(() => reportedBy.locator("dd").textContent()).toBe("OpenTelemetry (OTLP), opentelemetry-python@1.30.0")
    expect(problemsOf(page)).toEqual([])
    await page.context().close()
  })
}
