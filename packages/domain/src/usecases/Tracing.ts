/**
 * Use cases traced by name (`Ledger.recordSpan`), so that a service embedding the ledger sees our
 * operations in its own traces — and pays nothing for them when it traces nothing.
 *
 * `Effect.fn("name")` and `Effect.withSpan` do not look for a tracer first. In effect 3.22,
 * `Effect.fn` captures a stack (`new Error()`) on every call and wraps the body in `withSpan`;
 * `withSpan` makes a span on every run (`unsafeMakeSpan` in `internal/core-effect.ts`), asking
 * the fiber's tracer — with none installed, the default `nativeTracer` of `internal/tracer.ts`,
 * whose `NativeSpan` draws 48 random hex characters and a map that nobody reads. With no tracer
 * installed that measured 9–25 µs a call, where a whole span create on the in-memory store is
 * 20–40 µs; `Effect.withTracerEnabled(false)` still builds a no-op span, at 9–14 µs.
 *
 * So `traced` opens its span only when the fiber's tracer is not that default one and tracing is
 * enabled: when an embedding service installs a tracer (`Layer.setTracer`, an OpenTelemetry
 * layer), `Ledger.recordSpan` appears in its traces under the caller's span; otherwise the cost
 * is two fiber-ref reads (0.1–0.4 µs a call, measured alike).
 */
import { Context, DefaultServices, Effect, FiberRef, Tracer } from "effect"
import { dual } from "effect/Function"

/** The tracer a fiber has when nobody installed one: spans it makes go nowhere. */
const defaultTracer = Context.get(DefaultServices.liveServices, Tracer.Tracer)

/** Our spans carry no stack: the span's name already says which use case it is. */
const spanOptions = { captureStackTrace: false } as const

/** Runs `self` in a span named `name` when a tracer is installed and enabled; else runs it as it is. */
export const traced: {
  (name: string): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, name: string): Effect.Effect<A, E, R>
} = dual(2, <A, E, R>(self: Effect.Effect<A, E, R>, name: string): Effect.Effect<A, E, R> =>
  Effect.withFiberRuntime<A, E, R>((fiber) =>
    fiber.getFiberRef(FiberRef.currentTracerEnabled) &&
      Context.get(fiber.getFiberRef(DefaultServices.currentServices), Tracer.Tracer) !== defaultTracer
      ? Effect.withSpan(self, name, spanOptions)
      : self
  ))

/** A use case traced as `name` on every call: what `Effect.fn(name)` does, without its cost untraced. */
export const useCase = <Args extends ReadonlyArray<unknown>, A, E, R>(
  name: string,
  body: (...args: Args) => Effect.Effect<A, E, R>
): (...args: Args) => Effect.Effect<A, E, R> =>
(...args) => traced(body(...args), name)
