/**
 * A checker thread: compiles definitions (verdict, cost model, standalone source) and checks
 * values, one message at a time. Its time and memory are bounded by the pool, which ends the
 * thread when a message runs past its budget; nothing here needs to defend itself.
 */
import * as Conformance from "@agentledger/domain/Conformance.js"
import { Lru } from "@agentledger/domain/Lru.js"
import type { ValidateFunction } from "ajv"
import { setPriority } from "node:os"
import { parentPort } from "node:worker_threads"
import type { Request, Response } from "./protocol.js"

/** Validators by their definition's text: a run's spans check against the same few definitions. */
/** How much lower than the serving thread a checker thread runs (0 normal, 19 lowest). */
const checkerNice = 10

const validators = new Lru<string, ValidateFunction | null>(64)

const validatorOf = (definition: unknown): ValidateFunction | null => {
  const key = JSON.stringify(definition)
  const known = validators.get(key)
  if (known !== undefined) return known
  return validators.set(key, Conformance.compile(definition).validate ?? null)
}

const answer = (request: Request): Response => {
  switch (request.kind) {
    case "compile":
      return { id: request.id, kind: "compile", portable: Conformance.compilePortable(request.definition) }
    case "check": {
      const validate = validatorOf(request.definition)
      const verdict = validate === null
        ? Conformance.unchecked(request.target, "the definition did not compile in the checker")
        : Conformance.verdictOf(validate, request.value, request.target)
      return { id: request.id, kind: "check", verdict }
    }
  }
}

/**
 * On Linux a nice value belongs to a thread, and `setPriority(n)` sets the calling one's: a
 * checker thread busy with a hostile definition then takes only the CPU the serving thread
 * leaves. (Elsewhere it would be the whole process's, so it is left alone.)
 */
if (process.platform === "linux") {
  try {
    setPriority(checkerNice)
  } catch {
    // Not permitted in this sandbox: the thread keeps the process's priority.
  }
}

parentPort?.on("message", (request: Request) => {
  parentPort?.postMessage(answer(request))
})
// Loading this thread takes a while; its budgets start once it says it is ready.
parentPort?.postMessage({ kind: "ready" })
