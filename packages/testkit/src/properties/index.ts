/**
 * Property tests: the model-based workload property (every invariant after every step, over
 * random operation sequences in several accounts) and focused properties for fingerprints,
 * conformance, risk, idempotency, the timeline, pagination, run filters, the overview, activity, the audit log, erasure and the evidence export; one module
 * per invariant.
 */
import type { Ledger } from "@agentledger/domain"
import { describe } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { letTheEventLoopIn } from "../eventLoop.js"
import { runs } from "../runs.js"
import { activityProperties } from "./activity.js"
import { auditProperties } from "./audit.js"
import { conformanceProperties } from "./conformance.js"
import { erasureProperties } from "./erasure.js"
import type { PropertyContext } from "./context.js"
import { exportProperties } from "./export.js"
import { fingerprintProperties } from "./fingerprints.js"
import { idempotencyProperties } from "./idempotency.js"
import { listProperties } from "./lists.js"
import { riskProperties } from "./risk.js"
import { overviewProperties } from "./overview.js"
import { outlineFilterProperties, runFilterProperties } from "./runFilters.js"
import { timelineProperties } from "./timeline.js"
import { workloadProperties } from "./workload.js"

export { changeSchema, changeVersion } from "./perturbations.js"

export interface PropertyOptions {
  /** Multiplies every property's number of runs (on top of `AGENTLEDGER_DEEP`). */
  readonly runsFactor?: number
  /** Per-property timeout in milliseconds. */
  readonly timeout?: number
}

export const propertyTests = <E>(makeLayer: () => Layer.Layer<Ledger, E>, options: PropertyOptions = {}): void => {
  const context: PropertyContext<E> = {
    makeLayer,
    runs: (base) => Math.max(1, Math.round(runs(base) * (options.runsFactor ?? 1))),
    timeout: options.timeout ?? 300_000,
    // Each case gives the event loop a turn first (`letTheEventLoopIn` says why).
    fresh: (effect) => Effect.zipRight(letTheEventLoopIn, effect.pipe(Effect.provide(makeLayer())))
  }
  describe("model-based", () => workloadProperties(context))
  describe("invariant 3: fingerprints", () => fingerprintProperties(context))
  describe("invariant 6: conformance", () => conformanceProperties(context))
  describe("invariant 7: risk", () => riskProperties(context))
  describe("invariant 8: idempotency", () => idempotencyProperties(context))
  describe("invariant 5: the timeline", () => timelineProperties(context))
  describe("lists", () => listProperties(context))
  describe("run filters", () => {
    runFilterProperties(context)
    outlineFilterProperties(context)
  })
  describe("the overview", () => overviewProperties(context))
  describe("activity", () => activityProperties(context))
  describe("the audit log", () => auditProperties(context))
  describe("erasure", () => erasureProperties(context))
  describe("evidence export", () => exportProperties(context))
}
