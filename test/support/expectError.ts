/**
 * The check every bad-input test makes of an answer: it came, with one of the statuses allowed,
 * as JSON, in the error envelope `{status:"error", code, message, errors?}`, with one of the
 * codes allowed. Soft (`expect.soft`), so a loop over requests lists every one that fails.
 */
import { expect } from "vitest"
import * as B from "./badInput.js"

/** That an answer is one of `statuses`, JSON, an error envelope, with one of `codes`. */
export const expectError = (
  label: string,
  answer: B.Answer | null,
  statuses: number | ReadonlyArray<number>,
  codes: string | ReadonlyArray<string>
): void => {
  const wantedStatuses = typeof statuses === "number" ? [statuses] : [...statuses]
  const wantedCodes = typeof codes === "string" ? [codes] : [...codes]
  const body = answer?.body
  const got = answer === null
    ? { answered: false }
    : {
      answered: true,
      status: answer.status,
      json: (answer.contentType ?? "").includes("application/json"),
      envelope: B.isErrorEnvelope(body),
      code: B.isErrorEnvelope(body) ? body.code : undefined
    }
  expect.soft(got, `${label} → ${B.summary(answer)}`).toEqual({
    answered: true,
    status: expect.toBeOneOf(wantedStatuses),
    json: true,
    envelope: true,
    code: expect.toBeOneOf(wantedCodes)
  })
}
