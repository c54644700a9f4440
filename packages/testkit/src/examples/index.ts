/**
 * Example tests: every use case of `LedgerSession`, one scenario each, on a fresh ledger; one
 * module per section.
 */
import type { Ledger } from "@agentledger/domain"
import { describe, it } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { activityExamples } from "./activity.js"
import { agentExamples } from "./agents.js"
import { auditExamples } from "./audit.js"
import { conformanceExamples } from "./conformance.js"
import { deploymentExamples } from "./deployments.js"
import { environmentExamples } from "./environments.js"
import { erasureExamples } from "./erasure.js"
import { exportExamples } from "./export.js"
import type { ExampleTest } from "./helpers.js"
import { idempotencyExamples } from "./idempotency.js"
import { maskingExamples } from "./masking.js"
import { queryExamples } from "./queries.js"
import { retentionPolicyExamples } from "./retentionPolicy.js"
import { reviewExamples } from "./reviews.js"
import { riskProfileExamples } from "./riskProfiles.js"
import { runExamples } from "./runs.js"
import { spanExamples } from "./spans.js"
import { tenancyExamples } from "./tenancy.js"
import { tokenExamples } from "./tokens.js"
import { wireExamples } from "./wire.js"

export { docsRiskProfile } from "./helpers.js"

/** Registers the example tests of every use case. */
export const exampleTests = <E>(makeLayer: () => Layer.Layer<Ledger, E>): void => {
  const test: ExampleTest = (name, body) => it.live(name, () => body.pipe(Effect.provide(makeLayer())))
  describe("environments", () => environmentExamples(test))
  describe("API tokens", () => tokenExamples(test))
  describe("agents", () => agentExamples(test))
  describe("runs", () => runExamples(test))
  describe("spans", () => spanExamples(test))
  describe("conformance", () => conformanceExamples(test))
  describe("deployments", () => deploymentExamples(test))
  describe("risk profiles", () => riskProfileExamples(test))
  describe("queries", () => queryExamples(test))
  describe("reviews", () => reviewExamples(test))
  describe("activity", () => activityExamples(test))
  describe("masking", () => maskingExamples(test))
  describe("evidence export", () => exportExamples(test))
  describe("idempotency", () => idempotencyExamples(test))
  describe("tenancy", () => tenancyExamples(test))
  describe("audit log", () => auditExamples(test))
  describe("erasure", () => erasureExamples(test))
  describe("retention policy", () => retentionPolicyExamples(test))
  describe("the newer SDK wire", () => wireExamples(test))
}
