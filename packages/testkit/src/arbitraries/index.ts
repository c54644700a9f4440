/**
 * Arbitraries for every command of the Ledger and for whole multi-account workloads. Every value
 * is a *decoded* command: what the Ledger methods take.
 */
export * from "./commands.js"
export * from "./workload.js"
