/**
 * Who reported a run (docs/domain.md "Reporter"), and what a run tells its agent (`Control`): the
 * SDK text a client sends is kept as visible ASCII words, bounded, never more; a claim of none
 * records none; only a terminated run tells its agent to stop, with the termination's reason.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import { Control, Instance, Reporter, Status } from "@agentledger/domain"
import { runs } from "./arbitraries.js"
import { at, makeInstance } from "./fixtures.js"

describe("the reporting SDK", () => {
  it.prop(
    "any text becomes visible ASCII words, single spaces, at most 200 characters, or null",
    [fc.oneof(fc.string({ maxLength: 400 }), fc.string({ maxLength: 400, unit: "binary" }), fc.string({ maxLength: 40, unit: "grapheme" }))],
    ([text]) => {
      const kept = Reporter.sdkOf(text)
      if (kept === null) {
        expect(text.replace(/[^\x21-\x7e]/g, "")).toBe("")
        return
      }
      expect(kept.length).toBeGreaterThan(0)
      expect(kept.length).toBeLessThanOrEqual(Reporter.maxSdkLength)
      expect(kept).toMatch(/^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/)
      // Nothing is invented: every word kept is (the start of) a word sent.
      const sent = text.replace(/[^\x21-\x7e]+/g, " ").trim().split(" ")
      kept.split(" ").forEach((word, i) => expect(sent[i]?.startsWith(word)).toBe(true))
    },
    { fastCheck: { numRuns: runs(300) } }
  )

  it("the SDKs' headers are kept as sent; one line, whole entries when cut", () => {
    expect(Reporter.sdkOf("@prefactor/core@0.4.3")).toBe("@prefactor/core@0.4.3")
    expect(Reporter.sdkOf("@prefactor/langchain@0.3.0 @prefactor/core@0.4.3")).toBe("@prefactor/langchain@0.3.0 @prefactor/core@0.4.3")
    expect(Reporter.sdkOf("prefactor-http@0.5.1\r\nX-Admin: yes")).toBe("prefactor-http@0.5.1 X-Admin: yes")
    expect(Reporter.sdkOf("  \t ")).toBeNull()
    expect(Reporter.sdkOf(undefined)).toBeNull()
    expect(Reporter.sdkOf("sdké@1")).toBe("sdk @1")
    const entries = Array.from({ length: 30 }, (_, i) => `@prefactor/pkg${i}@1.0.${i}`).join(" ")
    const cut = Reporter.sdkOf(entries)
    expect(cut?.length).toBeLessThanOrEqual(Reporter.maxSdkLength)
    expect(entries.startsWith(`${cut} `)).toBe(true)
    expect(Reporter.sdkOf("x".repeat(500))).toBe("x".repeat(Reporter.maxSdkLength))
  })

  it("a claim records its protocol and its cleaned SDK; no claim records nothing", () => {
    expect(Reporter.reportedBy({ protocol: "prefactor", sdk: " @prefactor/core@0.4.3\n" })).toEqual({ protocol: "prefactor", sdk: "@prefactor/core@0.4.3" })
    expect(Reporter.reportedBy({ protocol: "otlp" })).toEqual({ protocol: "otlp", sdk: null })
    expect(Reporter.reportedBy(undefined)).toBeNull()
  })
})

describe("the control a run's span answers carry", () => {
  it("terminate, with the reason, only once the run is terminated", () => {
    for (const status of Status.statuses) {
      const control = Control.controlOf(makeInstance({ status, risk: null }))
      expect(control === null).toBe(status !== "terminated")
    }
    const stopped = Either.getOrThrow(Instance.terminate(makeInstance({ status: "active", risk: null }), " refund loop ", at(5)))
    expect(Control.controlOf(stopped)).toEqual({ terminate: true, reason: "refund loop" })
  })
})
