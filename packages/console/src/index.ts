/**
 * @agentledger/console — the console: a web Admin UI that reviews what agents did through the
 * HTTP API (its sources in `app/`, bundled into `public/` by `build/bundle.ts`), and the mount
 * that serves it on the server's router.
 */
export * as Assets from "./Assets.js"
export * as Console from "./Console.js"
export * as Policy from "./Policy.js"
