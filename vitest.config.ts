// The settings of the whole run; the projects are in vitest.workspace.ts.
import { defineConfig } from "vitest/config"

/**
 * The export condition under which every @agentledger package resolves to its TypeScript sources
 * rather than its build in dist/ (docs/decisions.md, "Packages"). vitest passes the root's
 * conditions to the processes that run the tests (`--conditions`), so what Node itself loads
 * there — a checker thread's modules — comes from the sources too.
 */
export const sourceCondition = "@agentledger/source"

export default defineConfig({
  resolve: { conditions: [sourceCondition] },
  ssr: { resolve: { conditions: [sourceCondition] } },
  // The run's one pool of processes is built from this file's settings, not the projects': a
  // process runs file after file (vitest.workspace.ts says why) only if this says so too.
  // Two processes whatever the machine: vitest's default on two cores is one, and most of the
  // suite's time is waiting (PostgreSQL, Chromium, served processes), so two overlap it — 629 s
  // became 481 s here. Not more: the tests were written for a two-core machine, and more at once
  // would only add contention to the timed ones. `npm run test:deep` runs one.
  test: { isolate: false, maxWorkers: 2, minWorkers: 1 }
})
