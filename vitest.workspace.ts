// One vitest project per package plus the cross-package tests in test/.
// vitest 3.2 reads this file with a deprecation notice; see docs/decisions.md for the move to
// `test.projects` in vitest.config.ts when the stack moves to vitest 4.
import { configDefaults, defineWorkspace } from "vitest/config"
import { sourceCondition } from "./vitest.config.js"

// Each project resolves the workspace's packages to their TypeScript sources, not their builds.
const sources = { resolve: { conditions: [sourceCondition] }, ssr: { resolve: { conditions: [sourceCondition] } } }

/** Suites that only add time to the paths other suites already cover: the deep run takes them (`npm run test:deep`). */
const deepOnly = (process.env["AGENTLEDGER_DEEP"] ?? "") === "" ? ["http-pglite.test.ts"] : []

// One process runs a project's files one after another (`isolate: false`): a fresh process per
// file loaded Effect and the packages anew each time, a fifth of npm test's time on two cores.
// No test changes the process's globals (environment, module mocks), so sharing it is sound.
const shared = { isolate: false }

const project = (name: string, root: string) => ({
  ...sources,
  test: { name, root, include: ["test/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 120_000, ...shared }
})

export default defineWorkspace([
  project("domain", "packages/domain"),
  project("store-memory", "packages/store-memory"),
  project("testkit", "packages/testkit"),
  project("store-postgres", "packages/store-postgres"),
  project("checker-worker", "packages/checker-worker"),
  project("otlp", "packages/otlp"),
  {
    ...sources,
    test: {
      name: "integration",
      root: "test",
      include: ["**/*.test.ts"],
      exclude: [...configDefaults.exclude, ...deepOnly],
      testTimeout: 120_000,
      hookTimeout: 120_000,
      ...shared,
      // A page in a browser answers in its own time: the console's tests wait up to 15 s for what
      // they expect (vitest's default of 1 s failed one of them on a loaded machine).
      expect: { poll: { timeout: 15_000 } }
    }
  }
])
