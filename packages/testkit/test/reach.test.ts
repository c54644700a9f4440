/**
 * The model-based property is only as good as the operations it reaches: on the in-memory
 * store, a fixed sample of workloads must make every kind of operation succeed, and must make
 * the refusals the model predicts actually happen.
 */
import { Ids, LedgerLive } from "@agentledger/domain"
import { MemoryStore } from "@agentledger/store-memory"
import { Arbitraries, expectNoViolations, runWorkload } from "@agentledger/testkit"
import { expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc, Layer } from "effect"

const makeLayer = () => LedgerLive.layer.pipe(Layer.provide(MemoryStore.layer), Layer.provide(Ids.IdEntropy.Live))

it.live("a sample of workloads reaches every operation, its successes and its refusals", () =>
  Effect.gen(function*() {
    const outcomes: Record<string, number> = {}
    let executed = 0
    let steps = 0
    for (const workload of fc.sample(Arbitraries.workload(), { numRuns: 25, seed: 4242 })) {
      const report = yield* runWorkload(makeLayer, workload)
      expectNoViolations(report)
      executed += report.executed
      steps += report.steps
      for (const [outcome, count] of Object.entries(report.outcomes)) outcomes[outcome] = (outcomes[outcome] ?? 0) + count
    }
    const seen = (pattern: RegExp) => Object.entries(outcomes).filter(([outcome]) => pattern.test(outcome)).reduce((sum, [, n]) => sum + n, 0)
    expect(executed / steps, "most operations find something to act on").toBeGreaterThan(0.8)
    for (
      const pattern of [
        /^createEnvironment ok$/,
        /^createEnvironment Conflict$/,
        /^updateEnvironment ok$/,
        /^deleteEnvironment ok$/,
        /^deleteEnvironment Conflict$/,
        /^createRiskProfile (ok|InvalidInput)$/,
        /^updateRiskProfile ok$/,
        /^deleteRiskProfile ok$/,
        /^createAgent ok$/,
        /^updateAgent ok$/,
        /^retireAgent ok$/,
        /^reinstateAgent (ok|InvalidAction)$/,
        /^deleteAgent (ok|Conflict)$/,
        /^registerRun \(account token\) ok$/,
        /^registerRun \(account token\) InvalidInput$/,
        /^registerRun \(deployment token\) ok$/,
        /^startRun ok$/,
        /^finishRun \(\w+\) ok$/,
        /^finishRun \(\w+\) InvalidAction$/,
        /^terminateRun ok$/,
        /^recordSpan ok$/,
        /^recordSpan InvalidAction$/,
        /^recordSpans \(\d\) ok$/,
        /^recordSpans \(\d\) (InvalidInput|NotFound|Conflict)$/,
        /^finishSpan \(\w+\) ok$/,
        /^finishSpan \(\w+\) InvalidAction$/,
        /^createDeployment ok$/,
        /^createDeployment Conflict$/,
        /^updateDeployment ok$/,
        /^rollbackDeployment ok$/,
        /^rollbackDeployment (InvalidInput|InvalidAction)$/,
        /^deleteDeployment (ok|Conflict)$/,
        /^createToken ok$/,
        /^(suspend|activate|revoke|expire|delete)Token ok$/,
        /^authenticate ok$/,
        /naming a record of account #\d NotFound$/,
        /^retry of \w+ with key key-\d+ ok$/,
        /^another request under key .* Conflict$/
      ]
    ) {
      expect(seen(pattern), `no outcome matching ${pattern} in ${steps} operations`).toBeGreaterThan(0)
    }
  }), 120_000)
