import { describe, expect, it } from "@effect/vitest"
import { Payload, Route, Target } from "@agentledger/otlp"
import { Either } from "effect"
import { attributes } from "./support/spans.js"

const resource = (plain: Parameters<typeof attributes>[0]) => Payload.attributeMap(attributes(plain))
const account = { token_scope: "account" } as const

describe("Target.targetOf", () => {
  it("takes a deployment token's agent and environment, whatever the resource says", () => {
    expect(Target.targetOf({ token_scope: "agent_deployment" }, resource({ "service.name": "other" }))).toEqual(Either.right({ _tag: "Deployment" }))
  })

  it("reads an account token's agent from service.name and environment from deployment.environment.name, else the older name", () => {
    expect(Target.targetOf(account, resource({ "service.name": "agent-x", "deployment.environment.name": "staging", "deployment.environment": "old" }))).toEqual(
      Either.right({ _tag: "Named", agent: "agent-x", environment: "staging" })
    )
    expect(Target.targetOf(account, resource({ "service.name": "agent-x", "deployment.environment": "old" }))).toEqual(
      Either.right({ _tag: "Named", agent: "agent-x", environment: "old" })
    )
  })

  it("refuses an account token's trace whose resource names no agent or no environment", () => {
    expect(Either.getLeft(Target.targetOf(account, resource({ "deployment.environment.name": "staging" })))._tag).toBe("Some")
    expect(Either.getLeft(Target.targetOf(account, resource({ "service.name": "agent-x" })))._tag).toBe("Some")
    expect(Either.getLeft(Target.targetOf(account, resource({ "service.name": 7, "deployment.environment.name": "staging" })))._tag).toBe("Some")
  })

  it("reports service.version as the version, else otel", () => {
    expect(Target.versionOf(resource({ "service.version": "1.2.3" }))).toBe("1.2.3")
    expect(Target.versionOf(resource({}))).toBe("otel")
  })
})

describe("Target.sdkOf", () => {
  it("names the distribution, then the SDK with its language, as package@version entries", () => {
    expect(Target.sdkOf(resource({ "telemetry.sdk.name": "opentelemetry", "telemetry.sdk.language": "nodejs", "telemetry.sdk.version": "2.12.1" })))
      .toBe("opentelemetry-nodejs@2.12.1")
    expect(Target.sdkOf(resource({
      "telemetry.distro.name": "openllmetry",
      "telemetry.distro.version": "0.40.0",
      "telemetry.sdk.name": "opentelemetry",
      "telemetry.sdk.language": "python",
      "telemetry.sdk.version": "1.30.0"
    }))).toBe("openllmetry@0.40.0 opentelemetry-python@1.30.0")
    expect(Target.sdkOf(resource({ "telemetry.sdk.name": "custom" }))).toBe("custom")
  })

  it("names none when the resource names no SDK (a version alone, or a name that is not text, is no name)", () => {
    expect(Target.sdkOf(resource({}))).toBeNull()
    expect(Target.sdkOf(resource({ "telemetry.sdk.version": "1.0.0", "telemetry.sdk.name": 7 }))).toBeNull()
  })
})

describe("Route.capacityAnswer", () => {
  it("answers the trace endpoint's requests at capacity in OTLP's shape and leaves other paths alone", () => {
    const answer = Route.capacityAnswer(3)
    expect(answer("/v1/traces", "application/x-protobuf")).toMatchObject({ status: 503, headers: { "content-type": "application/x-protobuf", "retry-after": "3" } })
    expect(answer("/v1/traces?x=1", undefined)).toMatchObject({ status: 503, headers: { "content-type": "application/json" } })
    expect(answer("/api/v1/agent", "application/json")).toBeUndefined()
  })
})
