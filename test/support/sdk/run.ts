/**
 * One run of the SDK against a server: a fresh SDK core pointed at a recording proxy in front of
 * the server, what went over the wire and what the SDK logged. `SDK_WIRE_DEBUG=1` prints each
 * run's exchanges and the SDK's error logs.
 */
import type { CoreRuntime } from "@prefactor/core"
import type { RunningServer } from "../server.js"
import { captureSdkLogs, sdkCore } from "./core.js"
import { describeExchanges, type Exchange, type Injector, type RecordingProxy, startProxy } from "./proxy.js"

export interface SdkRun {
  readonly exchanges: ReadonlyArray<Exchange>
  /** What the SDK logged as errors or warnings (it reports every failed request there). */
  readonly logs: ReadonlyArray<string>
}

/**
 * Runs `body` with a fresh SDK core pointed at a recording proxy in front of the server, always
 * awaits `core.shutdown()` (which drains the SDK's queue) and closes the proxy.
 */
export const runSdk = async (
  server: RunningServer,
  options: {
    readonly token: string
    readonly agentSchema: Record<string, unknown>
    readonly inject?: Injector
    readonly maxRetries?: number
  },
  body: (core: CoreRuntime, proxy: RecordingProxy) => Promise<void>
): Promise<SdkRun> => {
  const proxy = await startProxy(server.url, options.inject)
  const logs = captureSdkLogs()
  try {
    const core = sdkCore({
      apiUrl: proxy.url,
      apiToken: options.token,
      agentSchema: options.agentSchema,
      ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries })
    })
    try {
      await body(core, proxy)
    } finally {
      await core.shutdown()
    }
    if (process.env["SDK_WIRE_DEBUG"] !== undefined) console.log(`${describeExchanges(proxy.exchanges)}\n${logs.lines.join("\n")}`)
    return { exchanges: [...proxy.exchanges], logs: [...logs.lines] }
  } finally {
    logs.restore()
    await proxy.close()
  }
}
