/**
 * One `Ledger` made of several over the same store, taking turns call by call: what a client of
 * several server processes behind one port sees, where each request may land on another process.
 * The conformance suite runs unchanged on it, so every sequence it checks (create, then read;
 * register, then record; revoke, then call) also crosses from one ledger to the next, each with
 * its own caches — which must therefore never answer what the store no longer holds.
 */
import { Ledger } from "@agentledger/domain"
import { Context, Effect, Layer } from "effect"

/**
 * `targets` behind one face: each property read goes to the next target in turn (a method is
 * bound to the target it was read from). For test adapters only: the choice is by call, not by
 * anything the caller could steer.
 */
const takingTurns = <S extends object>(first: S, rest: ReadonlyArray<S>): S => {
  const targets = [first, ...rest]
  let turn = 0
  return new Proxy(first, {
    get: (_, property) => {
      const target = targets[turn++ % targets.length] ?? first
      const value: unknown = Reflect.get(target, property)
      return typeof value === "function" ? value.bind(target) : value
    }
  })
}

/**
 * The ledgers `layers` build (say, each over its own pool on one database), as one: account
 * operations take turns among them, and a session authenticates on every one of them and then
 * sends each call to the next.
 */
export const alternatingLedger = <E>(first: Layer.Layer<Ledger, E>, ...rest: ReadonlyArray<Layer.Layer<Ledger, E>>): Layer.Layer<Ledger, E> =>
  Layer.scoped(
    Ledger,
    Effect.gen(function*() {
      const built = yield* Effect.forEach([first, ...rest], (layer) => Effect.map(Layer.build(layer), Context.get(Ledger)))
      const [head, ...tail] = built
      if (head === undefined) return yield* Effect.dieMessage("alternatingLedger needs a ledger")
      const ledgers = takingTurns(head, tail)
      return Ledger.of({
        createAccount: (input) => ledgers.createAccount(input),
        openAccount: (input, options) => ledgers.openAccount(input, options),
        bootstrap: (input) => ledgers.bootstrap(input),
        sweepRetention: (options) => ledgers.sweepRetention(options),
        authenticate: (secret) =>
          Effect.gen(function*() {
            const session = yield* head.authenticate(secret)
            return takingTurns(session, yield* Effect.forEach(tail, (ledger) => ledger.authenticate(secret)))
          })
      })
    })
  )
