/**
 * How this repository runs its TypeScript in a process of its own: tsx for the syntax, and the
 * `@agentledger/source` export condition, under which every @agentledger package resolves to its
 * sources rather than its build in dist/ (docs/decisions.md, "Packages"). Worker threads inherit
 * both.
 */
export const sourceExecArgv: ReadonlyArray<string> = ["--conditions=@agentledger/source", "--import", "tsx"]
