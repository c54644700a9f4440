/**
 * The server's settings as `npm start` reads them from its flags and environment
 * (`apps/server/src/Settings.ts`): the caches' and the token record's timings an operator tunes
 * for several processes — defaults, a flag, its variable, and a refusal.
 */
import { describe, expect, it } from "vitest"
import * as Settings from "../apps/server/src/Settings.js"

const read = (args: ReadonlyArray<string>, environment: Record<string, string> = {}) => {
  const reading = Settings.read(args, environment)
  if (reading._tag !== "Read") throw new Error(`expected settings, got ${JSON.stringify(reading)}`)
  return reading.settings
}

describe("the server's settings", () => {
  it("default the last-use interval of a token to a minute and the masking cache to a second", () => {
    expect(read([])).toMatchObject({ tokenLastUseIntervalSeconds: 60, maskingCacheTtlMs: 1000, tokenCacheTtlMs: 1000 })
  })

  it("take them from their flags, or from their variables", () => {
    expect(read(["--token-last-use-interval-s", "300", "--masking-cache-ttl-ms", "0"])).toMatchObject({ tokenLastUseIntervalSeconds: 300, maskingCacheTtlMs: 0 })
    expect(read([], { AGENTLEDGER_TOKEN_LAST_USE_INTERVAL_S: "5", AGENTLEDGER_MASKING_CACHE_TTL_MS: "250" })).toMatchObject({
      tokenLastUseIntervalSeconds: 5,
      maskingCacheTtlMs: 250
    })
  })

  it("refuse what is not a whole number, saying which flag", () => {
    expect(Settings.read(["--masking-cache-ttl-ms", "soon"], {})).toEqual({ _tag: "Refused", message: "--masking-cache-ttl-ms must be a whole number, not \"soon\"" })
    expect(Settings.read([], { AGENTLEDGER_TOKEN_LAST_USE_INTERVAL_S: "-1" })._tag).toBe("Refused")
  })
})
