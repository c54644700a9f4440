/**
 * How hard the suite works. By default it is quick (the whole suite on store-memory runs in
 * seconds); `npm run test:deep` sets `AGENTLEDGER_DEEP=1` and every property runs ten times as
 * many cases, over longer operation sequences.
 */

const flag = process.env["AGENTLEDGER_DEEP"]

/** Whether `AGENTLEDGER_DEEP` asks for the deep run. */
export const deep: boolean = flag !== undefined && flag !== "" && flag !== "0" && flag !== "false"

/** `numRuns` for a property: `n` by default, `10 × n` in a deep run. */
export const runs = (n: number): number => (deep ? n * 10 : n)

/** The longest random operation sequence a workload holds. */
export const maxSteps: number = deep ? 80 : 40
