/**
 * Use cases are traced by name when a tracer is installed, and open no span at all otherwise:
 * the ingest path must not pay for spans nobody reads.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, DefaultServices, Effect, Option, Tracer } from "effect"
import { traced, useCase } from "@agentledger/domain/usecases/Tracing.js"

/** A tracer that records the names of the spans it makes (built by the default tracer). */
const recording = () => {
  const names: Array<string> = []
  const native = Context.get(DefaultServices.liveServices, Tracer.Tracer)
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind, options) => {
      names.push(name)
      return native.span(name, parent, context, links, startTime, kind, options)
    },
    context: native.context
  })
  return { names, tracer }
}

const spanName = Effect.map(Effect.option(Effect.currentSpan), Option.map((span) => span.name))

describe("traced", () => {
  it.effect("without a tracer installed, no span is made", () =>
    Effect.gen(function*() {
      expect(yield* traced(spanName, "Ledger.recordSpan")).toEqual(Option.none())
    }))

  it.effect("with a tracer installed, the work runs in a span of that name, under the caller's", () =>
    Effect.gen(function*() {
      const { names, tracer } = recording()
      const inner = Effect.flatMap(Effect.currentSpan, (span) =>
        Effect.succeed({ name: span.name, parent: Option.map(span.parent, (parent) => parent._tag === "Span" ? parent.name : "external") }))
      const seen = yield* traced(inner, "Ledger.recordSpan").pipe(Effect.withSpan("http.server POST"), Effect.withTracer(tracer))
      expect(seen).toEqual({ name: "Ledger.recordSpan", parent: Option.some("http.server POST") })
      expect(names).toEqual(["http.server POST", "Ledger.recordSpan"])
    }))

  it.effect("with tracing disabled, no span is made even under an installed tracer", () =>
    Effect.gen(function*() {
      const { names, tracer } = recording()
      const seen = yield* traced(spanName, "Ledger.recordSpan").pipe(Effect.withTracerEnabled(false), Effect.withTracer(tracer))
      expect(seen).toEqual(Option.none())
      expect(names).toEqual([])
    }))

  it.effect("useCase passes its arguments, answer and failure through, traced on every call", () =>
    Effect.gen(function*() {
      const { names, tracer } = recording()
      const halve = useCase("Ledger.halve", (n: number) => n % 2 === 0 ? Effect.succeed(n / 2) : Effect.fail(`odd: ${n}`))
      expect(yield* halve(8).pipe(Effect.withTracer(tracer))).toBe(4)
      expect(yield* Effect.flip(halve(3).pipe(Effect.withTracer(tracer)))).toBe("odd: 3")
      expect(names).toEqual(["Ledger.halve", "Ledger.halve"])
    }))
})
