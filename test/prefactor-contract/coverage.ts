/**
 * Coverage, across the whole contract test: every route of docs/http.md's route table was called
 * with a valid request and with one that must fail, and every non-2xx answer of the test was the
 * error envelope with a documented code. It runs last, on what the session recorded.
 */
import { readFileSync } from "node:fs"
import { expect, it } from "vitest"
import { decode } from "../support/contract/decode.js"
import { ErrorEnvelope } from "../support/contract/envelopes.js"
import type { ContractSession } from "../support/contract/session.js"
import type { Refusal } from "./refusals.js"

/** The routes of docs/http.md's route table, e.g. `GET agent/{id}`. */
const documentedRoutes = (): ReadonlyArray<string> => {
  const markdown = readFileSync(new URL("../../docs/http.md", import.meta.url), "utf8")
  const section = markdown.split("## Routes")[1]?.split("\n## ")[0] ?? ""
  const routes = new Set<string>()
  for (const line of section.split("\n").filter((row) => row.startsWith("| ") && !row.startsWith("| group"))) {
    for (const [, chunk] of line.matchAll(/`([^`]+)`/g)) {
      const match = chunk === undefined ? null : /^((?:GET|POST|PUT|DELETE)(?:\/(?:GET|POST|PUT|DELETE))*) ([^\s?]+)/.exec(chunk)
      if (match === null || match[1] === undefined || match[2] === undefined) continue
      const segments = match[2].split("/")
      const last = segments.pop() ?? ""
      for (const method of match[1].split("/")) {
        for (const alternative of last.split("\\|")) routes.add(`${method} ${[...segments, alternative].join("/")}`)
      }
    }
  }
  return [...routes].sort()
}

/** The coverage tests, after every other section of the contract test. */
export const coverage = (contract: ContractSession, refusals: ReadonlyArray<Refusal>): void => {
  const { answers, refused, succeeded } = contract

  it("every route of docs/http.md was called with a valid request and with one that must fail", () => {
    const routes = documentedRoutes()
    expect(routes.length, "the route table parsed").toBeGreaterThanOrEqual(50)
    expect(routes.filter((route) => !succeeded.has(route)), "routes never called with a valid request").toEqual([])
    expect(routes.filter((route) => !refused.has(route)), "routes never called with a request that must fail").toEqual([])
  })

  it("every non-2xx answer of this file was the error envelope with a documented code", () => {
    const failures = answers.filter((answer) => answer.status >= 300)
    expect(failures.length).toBeGreaterThan(refusals.length)
    for (const answer of failures) decode(ErrorEnvelope, answer.body, `${answer.route} (${answer.status})`)
  })
}
