/**
 * The browser the console's tests and bench drive: Debian's Chromium (`/usr/bin/chromium`, or
 * `CHROMIUM_PATH`), headless, through `playwright-core`. A missing browser is an error that says
 * how to install it, never a skipped test (`.ci/run` installs it as it installs PostgreSQL).
 */
import { existsSync, mkdirSync } from "node:fs"
import { join } from "node:path"
import { type Browser, chromium, type Page } from "playwright-core"

export const chromiumPath = (): string => process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium"

/** Headless Chromium; fails with the way to install it when it is not there. */
export const launch = async (): Promise<Browser> => {
  const path = chromiumPath()
  if (!existsSync(path)) {
    throw new Error(
      `Chromium is not installed at ${path}: the console's tests drive a real browser. Install Debian's chromium package ` +
        "(apt-get install chromium; .ci/run does it when it is missing) or point CHROMIUM_PATH at a Chromium binary."
    )
  }
  // --no-sandbox: the tests run as root in CI containers, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: path, headless: true, args: ["--no-sandbox", "--disable-dev-shm-usage"] })
}

/** Where the console's screenshots go: a git-ignored folder at the repository's root. */
export const artifacts = join(import.meta.dirname, "..", "..", "..", "test-artifacts", "console")

/** A full-page screenshot of the page as it is, named `name`.png under `artifacts`. */
export const screenshot = async (page: Page, name: string): Promise<void> => {
  mkdirSync(artifacts, { recursive: true })
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true })
}

const problems = new WeakMap<Page, Array<string>>()

/**
 * What went wrong in a page so far: exceptions the console threw, and what the browser refused
 * under the Content-Security-Policy (a refusal means the policy and the console disagree).
 */
export const problemsOf = (page: Page): ReadonlyArray<string> => problems.get(page) ?? []

/** A fresh page in a context of its own (no token survives from another test), its problems recorded. */
export const freshPage = async (browser: Browser): Promise<Page> => {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
  const page = await context.newPage()
  const seen: Array<string> = []
  problems.set(page, seen)
  page.on("pageerror", (error) => seen.push(`exception: ${error.message}`))
  page.on("console", (message) => {
    if (/Content Security Policy|Trusted Type/i.test(message.text())) seen.push(`refused: ${message.text()}`)
  })
  return page
}

/** A fresh page at `path`, signed in with `token`. */
export const signedIn = async (browser: Browser, base: string, token: string, path = "/"): Promise<Page> => {
  const page = await freshPage(browser)
  await page.goto(`${base}${path}`)
  await page.getByLabel("API token").fill(token)
  await page.getByRole("button", { name: "Sign in" }).click()
  await page.getByRole("button", { name: "Sign out" }).waitFor()
  return page
}
