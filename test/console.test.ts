/**
 * The console in a real browser: headless Chromium driven by playwright-core against the server
 * as `npm start` runs it (on PGlite), over a run the real `@prefactor/core` SDK recorded. The
 * sections are in test/console/ (serving, reviewing, acting, administering, a deployment token's scope, the
 * audit log, erasure); they run from this one file against one server and one browser. Screenshots of each page go to
 * test-artifacts/console/ (not committed). Without Chromium the tests fail and say how to install it.
 */
import type { Browser } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { actingOnRuns } from "./console/acting.js"
import { administering } from "./console/administering.js"
import { auditing } from "./console/auditing.js"
import { erasing } from "./console/erasing.js"
import { reviewingRuns } from "./console/reviewing.js"
import { deploymentScope } from "./console/scope.js"
import { servingTheConsole } from "./console/serving.js"
import { launch } from "./support/console/browser.js"
import { startWorld, type World } from "./support/console/world.js"

let started: { readonly world: World; readonly browser: Browser } | undefined

beforeAll(async () => {
  // The browser first: without it the tests fail at once, before a server is started for nothing.
  const browser = await launch()
  try {
    started = { world: await startWorld(), browser }
  } catch (error) {
    await browser.close()
    throw error
  }
}, 180_000)

afterAll(async () => {
  await started?.browser.close()
  await started?.world.close()
})

const current = () => {
  if (started === undefined) throw new Error("the console's world is used before it was started")
  return started
}
const world = () => current().world
const browser = () => current().browser

describe("the console", () => {
  servingTheConsole(world)
  reviewingRuns(world, browser)
  actingOnRuns(world, browser)
  administering(world, browser)
  deploymentScope(world, browser)
  auditing(world, browser)
  erasing(world, browser)
  it("never let a token into the server's log", () => {
    const log = world().log()
    expect(log).toContain("Sent HTTP response")
    for (const secret of [world().token, world().reviewed.token, world().other.token]) expect(log).not.toContain(secret)
  })
})
