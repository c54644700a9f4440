/**
 * The rules of a reviewer's run queries (docs/domain.md, "Reviewing runs"): where a run sits in
 * time, which runs need attention, what each filter keeps, and the one order a list request may
 * name.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { Commands, Ids, type Instance, InstanceQuery, Risk } from "@agentledger/domain"
import { at, idOf, makeInstance } from "./fixtures.js"

const run = (changes: Partial<Instance.Instance> = {}): Instance.Instance => ({ ...makeInstance(), ...changes })

describe("InstanceQuery", () => {
  it("places a run at its start, or at its registration if it never started", () => {
    expect(InstanceQuery.runStart(run())).toBe(at(0).epochMillis)
    expect(InstanceQuery.runStart(run({ started_at: at(-5000) }))).toBe(at(-5000).epochMillis)
  })

  it("a run needs attention when flagged or at a high or critical level; a run without a profile only when flagged", () => {
    const scored = (level: Risk.RiskLevel) => run({ risk: { total: 0, level, peak_level: "critical" } })
    expect(Risk.riskLevels.map((level) => InstanceQuery.needsAttention(scored(level)))).toEqual([false, false, true, true])
    expect(InstanceQuery.needsAttention(run({ risk: null }))).toBe(false)
    expect(InstanceQuery.needsAttention(run({ risk: null, conformance_counts: { conforms: 3, flagged: 1 } }))).toBe(true)
  })

  it("each filter keeps what it names; a run without a profile has no level, and filters combine", () => {
    const medium = run({ risk: { total: 4800, level: "medium", peak_level: "high" }, started_at: at(1000), purpose: "eval" })
    const flagged = run({ conformance_counts: { conforms: 0, flagged: 2 }, status: "active" })
    const unscored = run({ risk: null, agent_id: idOf(Ids.AgentId, 9) })
    const kept = (filter: InstanceQuery.InstanceFilter) => [medium, flagged, unscored].filter(InstanceQuery.matches(filter))
    expect(kept({})).toEqual([medium, flagged, unscored])
    expect(kept({ risk_level: "medium" })).toEqual([medium])
    expect(kept({ risk_level: "low" })).toEqual([flagged])
    expect(kept({ peak_risk_level: "high" })).toEqual([medium])
    expect(kept({ flagged: true })).toEqual([flagged])
    expect(kept({ flagged: false })).toEqual([medium, unscored])
    expect(kept({ purpose: "eval" })).toEqual([medium])
    expect(kept({ status: "active" })).toEqual([flagged])
    expect(kept({ agent_id: idOf(Ids.AgentId, 9) })).toEqual([unscored])
    expect(kept({ attention: true })).toEqual([flagged])
    expect(kept({ attention: false })).toEqual([medium, unscored])
    // From inclusive, before exclusive, on when the run took place.
    expect(kept({ started_after: at(1000).epochMillis })).toEqual([medium])
    expect(kept({ started_before: at(1000).epochMillis })).toEqual([flagged, unscored])
    expect(kept({ started_after: at(0).epochMillis, started_before: at(1).epochMillis })).toEqual([flagged, unscored])
    expect(kept({ flagged: false, risk_level: "medium", purpose: "live" })).toEqual([])
  })

  it("protocol keeps the runs its reporter names; a run whose reporter is not recorded never matches", () => {
    const prefactor = run({ reported_by: { protocol: "prefactor", sdk: "@prefactor/core@0.4.3" } })
    const otlp = run({ reported_by: { protocol: "otlp", sdk: null } })
    const unrecorded = run({ reported_by: null })
    const kept = (filter: InstanceQuery.InstanceFilter) => [prefactor, otlp, unrecorded].filter(InstanceQuery.matches(filter))
    expect(kept({ protocol: "prefactor" })).toEqual([prefactor])
    expect(kept({ protocol: "otlp" })).toEqual([otlp])
    expect(kept({})).toEqual([prefactor, otlp, unrecorded])
    expect(InstanceQuery.fromRequest(Schema.decodeUnknownSync(Commands.ListInstances)({ protocol: "otlp" })).protocol).toBe("otlp")
  })

  it("sorts a run by started_at as by when it took place", () => {
    expect(InstanceQuery.sortValue(run(), "started_at")).toBe(at(0).epochMillis)
    expect(InstanceQuery.sortValue(run({ status: "active" }), "status")).toBe("active")
  })

  it("a list request names its order with sort or sorting, not both", () => {
    const decode = Schema.decodeUnknownSync(Commands.ListInstances)
    expect(InstanceQuery.pageRequest(decode({ sort: "-started_at" }))).toEqual(Either.right({ offset: 0, page_size: 25, sorting: "-started_at" }))
    expect(InstanceQuery.pageRequest(decode({ sorting: "id", offset: 5 }))).toEqual(Either.right({ offset: 5, page_size: 25, sorting: "id" }))
    expect(InstanceQuery.pageRequest(decode({}))).toEqual(Either.right({ offset: 0, page_size: 25 }))
    expect(Either.isLeft(InstanceQuery.pageRequest(decode({ sort: "started_at", sorting: "id" })))).toBe(true)
    expect(() => decode({ sort: "status" })).toThrow()
    expect(() => decode({ risk_level: "severe" })).toThrow()
  })
})
