/**
 * What the Prefactor SDKs after 0.2.9 add to the contract: span answers that carry the run's
 * `control`, the `X-Prefactor-SDK` header a registration records, and `record_quality`
 * (docs/http.md, "The newer Prefactor wire"). `Api.ts` composes them into its groups.
 */
import { Commands, Control, type ControlledSpan, Ids, Quality } from "@agentledger/domain"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as OpenApi from "@effect/platform/OpenApi"
import { Schema } from "effect"
import { Details } from "./Envelope.js"
import { InstanceResource, SpanResource } from "./Resources.js"

/**
 * `X-Prefactor-SDK: @prefactor/core@0.4.3` (`package@version` entries, upstream first): recorded
 * on the run a registration makes as its reporting SDK (`Reporter`, which bounds and cleans it),
 * never read to decide anything.
 */
export const sdkHeader = { "x-prefactor-sdk": Schema.optional(Schema.String) }

/**
 * A span create's or finish's answer: `{status, details: <span>}`, and `control: {terminate, reason}`
 * when the span's run tells its agent to stop (`Control`; absent otherwise, as the Prefactor
 * wire before it was). A plain struct, not a transformation from `ControlledSpan`: this is the
 * answer of the two routes every SDK calls per span, and a transformation measured 7 µs more per
 * encode (`spanAnswer` and `controlledSpan` convert at the handlers and the client instead).
 */
export const SpanAnswer = Schema.Struct({
  status: Schema.Literal("success"),
  details: SpanResource,
  control: Schema.optionalWith(Control.RunControl, { exact: true })
}).annotations({ identifier: "SpanAnswer" })
export type SpanAnswer = typeof SpanAnswer.Type

/** The answer of a span and its run's control (none: no `control` field). */
export const spanAnswer = ({ control, span }: ControlledSpan): SpanAnswer =>
  control === null ? { status: "success", details: span } : { status: "success", details: span, control }

/** A span answer as the `Ledger` gives it. */
export const controlledSpan = (answer: SpanAnswer): ControlledSpan => ({ span: answer.details, control: answer.control ?? null })

const recordQualityDescription = "Keeps a quality payload under a name on the run (the latest per name; `payload: null` removes the name), " +
  `shown in the run's \`quality_payloads\`: at most ${Quality.maxNames} names and ${Quality.maxChars} characters of JSON per run ` +
  "(400 beyond). Any token that reaches the run."

/** `POST /agent_instance/{id}/record_quality {name, payload, idempotency_key?}`, answered with the run (headers: `Api`'s). */
export const recordQuality = HttpApiEndpoint.post("recordQuality", "/agent_instance/:id/record_quality")
  .setPath(Schema.Struct({ id: Ids.InstanceId }))
  .setPayload(Schema.Struct({ ...Commands.RecordQuality.fields, idempotency_key: Schema.optional(Schema.String) }))
  .addSuccess(Details(InstanceResource))
  .annotate(OpenApi.Description, recordQualityDescription)
