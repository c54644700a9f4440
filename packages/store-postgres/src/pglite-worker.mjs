// The thread behind PgliteWorker.ts: one PGlite database and its one session.
//
// Plain JavaScript on purpose: a worker thread does not inherit its parent's loader hooks, so a
// TypeScript entry would need tsx registered here; PGlite itself is JavaScript and WebAssembly.
// The protocol (messages in both directions) is described in PgliteWorker.ts.
import { PGlite } from "@electric-sql/pglite"
import { parentPort, workerData } from "node:worker_threads"

if (parentPort === null) throw new Error("pglite-worker.mjs runs only as a worker thread")
const port = parentPort

// A PostgreSQL error's fields are own properties of an Error subclass, and structured clone keeps
// only an Error's name and message: they are copied into a plain object, so a unique violation
// still names its SQLSTATE and constraint on the other side.
const errorFields = ["code", "constraint", "detail", "hint", "severity", "schema", "table", "column", "where", "routine"]

const plain = (error) => {
  const message = error instanceof Error ? error.message : String(error)
  const fields = { message }
  if (typeof error === "object" && error !== null) {
    for (const field of errorFields) {
      if (typeof error[field] === "string") fields[field] = error[field]
    }
  }
  return fields
}

const dataDir = typeof workerData?.dataDir === "string" ? workerData.dataDir : undefined

let db
try {
  db = dataDir === undefined ? await PGlite.create() : await PGlite.create(dataDir)
} catch (error) {
  port.postMessage({ kind: "failed", error: plain(error) })
  port.close()
}

// Statements run in the order they arrive, each after the previous one settled: the parent
// keeps one session, and a statement whose caller gave up must still run before the next one.
let queue = Promise.resolve()

const answer = async (message) => {
  if (message.kind === "close") {
    await db.close().catch(() => undefined)
    port.postMessage({ kind: "closed" })
    port.close()
    return
  }
  try {
    const result = await db.query(message.sql, message.params, { rowMode: message.rowMode })
    port.postMessage({ kind: "result", id: message.id, rows: result.rows, affectedRows: result.affectedRows ?? 0, fields: result.fields })
  } catch (error) {
    port.postMessage({ kind: "error", id: message.id, error: plain(error) })
  }
}

if (db !== undefined) {
  port.on("message", (message) => {
    queue = queue.then(() => answer(message))
  })
  port.postMessage({ kind: "ready" })
}
