/**
 * @agentledger/testkit — the conformance suite every `Ledger` adapter must pass unchanged:
 * arbitraries for every command and for whole multi-account workloads, a reference model,
 * the invariant checks of docs/domain.md, "The invariants", and `ledgerConformance`, which registers the suite as
 * vitest tests. (`@agentledger/testkit/core` holds everything but the vitest registration.)
 */
export * from "./conformance.js"
export * from "./core.js"
export { exampleTests } from "./examples/index.js"
export { expectNoViolations, refused, runOf, tenant, type Tenant } from "./harness.js"
export * from "./properties/index.js"
export { readTests } from "./reads.js"
export { type StallMonitor, stallMonitor } from "./stall.js"
