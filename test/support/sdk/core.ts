/**
 * The real `@prefactor/core@0.2.9` SDK as the tests build it: a fresh core with small retry
 * delays, and a capture of what it logs as errors and warnings (where it reports every failed
 * request).
 */
import { createConfig, createCore, type CoreRuntime } from "@prefactor/core"
import { isObject } from "../json.js"

export interface SdkOptions {
  readonly apiUrl: string
  readonly apiToken: string
  readonly agentSchema: Record<string, unknown>
  readonly agentIdentifier?: string
  readonly agentName?: string
  readonly maxRetries?: number
}

/** A fresh SDK core (which also becomes the SDK's global active tracer) with small retry delays. */
export const sdkCore = (options: SdkOptions): CoreRuntime =>
  createCore(createConfig({
    httpConfig: {
      apiUrl: options.apiUrl,
      apiToken: options.apiToken,
      agentIdentifier: options.agentIdentifier ?? "1.0.0",
      agentName: options.agentName ?? "SDK test agent",
      agentDescription: "driven by test/prefactor-sdk.test.ts",
      agentSchema: options.agentSchema,
      requestTimeout: 5000,
      initialRetryDelay: 10,
      maxRetryDelay: 20,
      ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries })
    }
  }))

export interface LogCapture {
  /** Lines the SDK wrote through console.error / console.warn, each joined to one string. */
  readonly lines: ReadonlyArray<string>
  readonly restore: () => void
}

const render = (value: unknown): string => {
  if (value instanceof Error) {
    const extra = isObject(value) && "responseBody" in value ? ` ${JSON.stringify(value["responseBody"])}` : ""
    return `${value.name}: ${value.message}${extra}`
  }
  return typeof value === "string" ? value : JSON.stringify(value)
}

/**
 * Captures what the SDK logs as errors or warnings (it reports failed requests only there);
 * other console output passes through.
 */
export const captureSdkLogs = (): LogCapture => {
  const lines: Array<string> = []
  const originalError = console.error
  const originalWarn = console.warn
  const capture = (original: (...args: Array<unknown>) => void) => (...args: Array<unknown>) => {
    const line = args.map(render).join(" ")
    // The logger's lines carry "[prefactor:…]"; the instance manager warns about schemas without it.
    if (line.startsWith("[prefactor") || /schema/i.test(line)) lines.push(line)
    else original(...args)
  }
  console.error = capture(originalError)
  console.warn = capture(originalWarn)
  return {
    lines,
    restore: () => {
      console.error = originalError
      console.warn = originalWarn
    }
  }
}
