/**
 * The console's run page on a 10,000-span run, in headless Chromium against the server as
 * `npm start` runs it (main.ts on PGlite): how long from signing in until the tree's first rows
 * are painted (the page's `console:run-painted` mark, set after the browser painted them), and
 * until every span is read — beside the API's time for the same data (the run and the first
 * outline page; the whole outline; the whole timeline with payloads, which the page does not read).
 *
 *   npm run bench -- console
 */
import { type Browser, type Page } from "playwright-core"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { bundle } from "../../packages/console/build/bundle.js"
import { launch } from "../support/console/browser.js"
import { deployAgent } from "../support/deployAgent.js"
import { call, expectAnswer } from "../support/jsonClient.js"
import { Created, Details } from "../support/resources.js"
import { listening, serve } from "../support/serveProcess.js"
import { formatNs, printTable, type Verdict } from "./harness.js"
import { Schema } from "effect"

const spans = 10_000
const batch = 1_000
const rounds = 5
const token = `pf_${"b".repeat(43)}`
const targetMs = 1_000

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN
const ms = (value: number) => formatNs(value * 1e6)

/** A run of `spans` spans in batches: a tree (every 20th a root, the rest under an earlier span), every 10th flagged. */
const seed = async (url: string): Promise<string> => {
  const deployed = await deployAgent(url, token, { name: "Bench bot" })
  const post = async (path: string, body: Parameters<typeof call>[4], status = 201) =>
    expectAnswer(await call(url, deployed.token, "POST", path, body), status, Details(Created), path).details.id
  const runId = await post("/api/v1/agent_instance/register", {
    agent_id: deployed.agentId,
    environment_id: deployed.environmentId,
    agent_version: { external_identifier: "bench-1" },
    agent_schema_version: { external_identifier: "bench", span_schemas: { llm: { type: "object", required: ["prompt"] }, tool: { type: "object" } } }
  })
  await post(`/api/v1/agent_instance/${runId}/start`, {}, 200)
  const ids: Array<string> = []
  const start = Date.now() - 3_600_000
  for (let offset = 0; offset < spans; offset += batch) {
    const details = Array.from({ length: batch }, (_, i) => {
      const n = offset + i
      const parent = n % 20 === 0 || ids.length === 0 ? null : ids[(n * 7919) % ids.length] ?? null
      return {
        agent_instance_id: runId,
        parent_span_id: parent,
        schema_name: n % 2 === 0 ? "llm" : "tool",
        status: "complete",
        payload: n % 10 === 0 ? { note: "no prompt" } : { prompt: `step ${n}`, context: "x".repeat(200) },
        result_payload: { text: `answer ${n}` },
        started_at: new Date(start + n * 300).toISOString(),
        finished_at: new Date(start + n * 300 + 50 + (n % 9) * 40).toISOString()
      }
    })
    const answer = expectAnswer(await call(url, deployed.token, "POST", "/api/v1/agent_spans/batch", { details }), 201, Details(Schema.Array(Created)), "a batch")
    for (const span of answer.details) ids.push(span.id)
  }
  return runId
}

const get = (url: string, path: string) => call(url, token, "GET", path).then((answer) => {
  if (answer.status !== 200) throw new Error(`GET ${path}: ${answer.status}`)
  return answer
})

const timed = async (work: () => Promise<unknown>): Promise<number> => {
  const started = performance.now()
  await work()
  return performance.now() - started
}

/** What the page reads first, everything it reads, and the timeline it does not read, over the API. */
const apiTimes = async (url: string, runId: string) => {
  const outlinePage = (offset: number) => get(url, `/api/v1/agent_instance/${runId}/spans?pagination[offset]=${offset}&pagination[page_size]=100`)
  const first = () => Promise.all([get(url, `/api/v1/agent_instance/${runId}`), outlinePage(0)])
  const whole = async () => {
    const offsets = Array.from({ length: spans / 100 }, (_, i) => i * 100)
    let next = 0
    await Promise.all(Array.from({ length: 4 }, async () => {
      for (let index = next++; index < offsets.length; index = next++) await outlinePage(offsets[index] ?? 0)
    }))
  }
  const timeline = () => get(url, `/api/v1/agent_instance/${runId}/timeline`)
  await first()
  const times: Record<"first" | "whole" | "timeline", Array<number>> = { first: [], whole: [], timeline: [] }
  for (let round = 0; round < rounds; round++) {
    times.first.push(await timed(first))
    times.whole.push(await timed(whole))
    times.timeline.push(await timed(timeline))
  }
  return { first: median(times.first), whole: median(times.whole), timeline: median(times.timeline) }
}

const markAt = (page: Page, name: string) => page.evaluate((mark) => performance.getEntriesByName(mark)[0]?.startTime ?? Number.NaN, name)

/** One visit: the run page opened, signed in, painted, then every span read. */
const visit = async (browser: Browser, url: string, runId: string) => {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
  const page = await context.newPage()
  await page.goto(`${url}/runs/${runId}`)
  await page.getByLabel("API token").fill(token)
  await page.getByRole("button", { name: "Sign in" }).click()
  await page.waitForFunction(() => performance.getEntriesByName("console:run-painted").length > 0, null, { timeout: 30_000 })
  const signIn = await markAt(page, "console:sign-in")
  const painted = await markAt(page, "console:run-painted")
  const fcp = await page.evaluate(() => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? Number.NaN)
  await page.waitForFunction((total) => document.querySelector(".toolbar [role=status]")?.textContent?.startsWith(`${total} spans`) === true, spans.toLocaleString("en"), { timeout: 120_000 })
  const all = await page.evaluate(() => performance.now())
  await context.close()
  return { painted: painted - signIn, all: all - signIn, pageFcp: fcp }
}

export const runConsoleBench = async (): Promise<ReadonlyArray<Verdict>> => {
  console.log(`\n## The console's run page on a ${spans.toLocaleString("en")}-span run (Chromium, main.ts on PGlite)\n`)
  await bundle()
  const dataDir = mkdtempSync(join(tmpdir(), "agentledger-console-bench-"))
  const served = serve(["--data-dir", dataDir], { AGENTLEDGER_BOOTSTRAP_TOKEN: token }, { logFile: join(dataDir, "server.log") })
  let browser: Browser | undefined
  try {
    const url = await listening(served)
    const runId = await seed(url)
    const api = await apiTimes(url, runId)
    browser = await launch()
    await visit(browser, url, runId)
    const visits: Array<{ painted: number; all: number; pageFcp: number }> = []
    for (let round = 0; round < rounds; round++) visits.push(await visit(browser, url, runId))
    const painted = median(visits.map((v) => v.painted))
    printTable(["what", "median of " + rounds], [
      ["browser: sign-in → run page painted (header, stamps, first rows of the tree)", ms(painted)],
      [`browser: sign-in → all ${spans.toLocaleString("en")} spans read into the tree`, ms(median(visits.map((v) => v.all)))],
      ["browser: first contentful paint of the page (the sign-in form)", ms(median(visits.map((v) => v.pageFcp)))],
      ["API: the run + the first outline page (what the page paints from)", ms(api.first)],
      [`API: the whole outline, 100 pages of 100, 4 at a time`, ms(api.whole)],
      ["API: the whole timeline with payloads (not read by the page)", ms(api.timeline)]
    ])
    return [{
      module: "console",
      target: `the run page of a ${spans.toLocaleString("en")}-span run paints < ${targetMs} ms after sign-in`,
      measured: `${ms(painted)} (API for the same data ${ms(api.first)}; every span ${ms(median(visits.map((v) => v.all)))})`,
      pass: painted < targetMs
    }]
  } finally {
    await browser?.close()
    served.child.kill("SIGTERM")
    await served.exited
    rmSync(dataDir, { recursive: true, force: true })
  }
}
