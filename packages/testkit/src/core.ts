/**
 * The vitest-free part of the testkit: arbitraries, the reference model, the model-based
 * runner, the invariant sweep and the concurrent scenarios, as plain functions answering a
 * `Report`. Import `@agentledger/testkit/core` to use them outside a vitest run.
 */
export * from "./alternating.js"
export * as Arbitraries from "./arbitraries/index.js"
export * from "./concurrency.js"
export * from "./fixtures.js"
export * from "./invariants/index.js"
export * from "./model.js"
export * from "./ops.js"
export * as Reference from "./reference.js"
export * from "./runs.js"
export * as Specs from "./specs.js"
export * from "./workload/index.js"
