/**
 * The model-based property: random operation sequences in several accounts keep invariants 1–8
 * after every step.
 */
import { it } from "@effect/vitest"
import { Effect } from "effect"
import * as Arbitraries from "../arbitraries/index.js"
import { expectNoViolations } from "../harness.js"
import { runWorkload } from "../workload/index.js"
import type { PropertyContext } from "./context.js"

export const workloadProperties = <E>({ makeLayer, runs: n, timeout }: PropertyContext<E>): void => {
  it.live.prop(
    "random operation sequences in several accounts keep invariants 1–8 after every step",
    { workload: Arbitraries.workload() },
    ({ workload }) =>
      Effect.gen(function*() {
        const report = yield* runWorkload(makeLayer, workload)
        expectNoViolations(report)
      }),
    { timeout, fastCheck: { numRuns: n(25) } }
  )
}
