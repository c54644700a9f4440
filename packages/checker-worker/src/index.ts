/**
 * @agentledger/checker-worker — the `SchemaChecker` port on worker threads: tenant definitions
 * compiled and checked under time and memory budgets, off the serving thread.
 */
export * as WorkerChecker from "./WorkerChecker.js"
export { type Failure, type Outcome, Pool, type PoolOptions } from "./Pool.js"
