/**
 * Whose run a trace is: a deployment token's own agent and environment, or — with an account
 * token — the ones the trace's resource names: `service.name` is the agent's
 * `external_identifier`, `deployment.environment.name` (or the older `deployment.environment`)
 * the environment's name. The version the run reports when its deployment points at none is
 * `service.version`, or `otel`. The SDK the run names as its reporter is the resource's
 * `telemetry.distro.*` (an instrumentation's distribution, upstream first) and `telemetry.sdk.*`.
 */
import type { Principal } from "@agentledger/domain"
import { Either } from "effect"
import type * as Model from "./Model.js"

export const resourceKeys = {
  service: "service.name",
  version: "service.version",
  environment: "deployment.environment.name",
  olderEnvironment: "deployment.environment",
  distroName: "telemetry.distro.name",
  distroVersion: "telemetry.distro.version",
  sdkName: "telemetry.sdk.name",
  sdkLanguage: "telemetry.sdk.language",
  sdkVersion: "telemetry.sdk.version"
} as const

/** The version a run reports when nothing else names one. */
export const defaultVersion = "otel"

export type Target =
  /** A deployment token: the agent and environment are the token's. */
  | { readonly _tag: "Deployment" }
  /** An account token: the agent and environment to look up by what the resource names. */
  | { readonly _tag: "Named"; readonly agent: string; readonly environment: string }

const textOf = (value: Model.AnyValue | undefined): string => (value?._tag === "string" ? value.value.trim() : "")

/** The target of a trace under this resource for this caller, or why its spans are refused. */
export const targetOf = (principal: Pick<Principal, "token_scope">, resource: ReadonlyMap<string, Model.AnyValue>): Either.Either<Target, string> => {
  if (principal.token_scope === "agent_deployment") return Either.right({ _tag: "Deployment" })
  const agent = textOf(resource.get(resourceKeys.service))
  if (agent === "") return Either.left(`the resource names no agent (${resourceKeys.service}), which an account token needs`)
  const environment = textOf(resource.get(resourceKeys.environment)) || textOf(resource.get(resourceKeys.olderEnvironment))
  if (environment === "") {
    return Either.left(`the resource names no environment (${resourceKeys.environment}), which an account token needs`)
  }
  return Either.right({ _tag: "Named", agent, environment })
}

/** The version's external identifier a run of this resource reports. */
export const versionOf = (resource: ReadonlyMap<string, Model.AnyValue>): string => textOf(resource.get(resourceKeys.version)) || defaultVersion

/** `name@version`, or the name alone; nothing when there is no name. */
const entryOf = (name: string, version: string): ReadonlyArray<string> => name === "" ? [] : [version === "" ? name : `${name}@${version}`]

/**
 * The SDK text a run of this resource records (`Reporter.sdkOf` bounds it), as the Prefactor
 * header writes it: `package@version` entries, upstream first — e.g.
 * `opentelemetry-nodejs@2.12.1`, or `openllmetry@0.40.0 opentelemetry-python@1.30.0`. Null when
 * the resource names no SDK.
 */
export const sdkOf = (resource: ReadonlyMap<string, Model.AnyValue>): string | null => {
  const text = (key: string) => textOf(resource.get(key))
  const sdk = [text(resourceKeys.sdkName), text(resourceKeys.sdkLanguage)].filter((part) => part !== "").join("-")
  const entries = [...entryOf(text(resourceKeys.distroName), text(resourceKeys.distroVersion)), ...entryOf(sdk, text(resourceKeys.sdkVersion))]
  return entries.length === 0 ? null : entries.join(" ")
}
