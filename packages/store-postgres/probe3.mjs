import { PGlite } from "@electric-sql/pglite"
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
const body = async (dir) => { const t0 = performance.now(); const db = await PGlite.create(dir); const t1 = performance.now(); await db.query("select 1"); await db.close(); return Math.round(t1 - t0) }
if (isMainThread) {
  for (let i = 0; i < 2; i++) {
    console.log("main", await body(mkdtempSync(join(tmpdir(), "probe-"))))
    const t0 = performance.now()
    const w = new Worker(new URL(import.meta.url), { workerData: mkdtempSync(join(tmpdir(), "probe-")) })
    const inner = await new Promise((r) => w.on("message", r))
    console.log("worker", inner, "total", Math.round(performance.now() - t0))
    await w.terminate()
  }
} else {
  parentPort.postMessage(await body(workerData))
}
