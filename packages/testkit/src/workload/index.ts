/**
 * The model-based workload runner: `runner` plays the operations, `dispatch` sends each to the
 * handler of its family (environments, risk profiles, agents, register, runs, spans,
 * deployments, tokens, tenancy, idempotency), and every handler is a `plan` — the model's
 * expectation, the call to the ledger under test, the model's update — kept apart.
 */
export { describeOp, runWorkload, type WorkloadOptions } from "./runner.js"
