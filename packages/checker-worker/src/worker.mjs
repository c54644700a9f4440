// The entry of a checker thread run from the sources (a build runs its compiled worker.js
// instead). A thread does not inherit its parent's loader hooks: register tsx for this thread,
// then load the worker.
const { register } = await import("tsx/esm/api")
register()
await import(new URL("./worker.ts", import.meta.url).href)
