/**
 * `GET`/`PUT /masking_policy`: the account's masking policy (`MaskingPolicy`), read and replaced
 * whole by account tokens (a deployment token gets 403). The group carries no middleware here:
 * `Api.ts` adds it with its `Authentication`, so this module needs nothing from `Api.ts` (which
 * imports it) and the two cannot import each other.
 */
import { MaskingPolicy } from "@agentledger/domain"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as OpenApi from "@effect/platform/OpenApi"
import { Schema } from "effect"
import { Details, PlainResource } from "./Envelope.js"

export const MaskingPolicyResource = PlainResource("masking_policy", MaskingPolicy.MaskingPolicy.fields)

/** `{details: {categories?, keys?}, idempotency_key?}`, as every update body is written. */
export const MaskingPolicyBody = Schema.Struct({
  details: MaskingPolicy.UpdateMaskingPolicy,
  idempotency_key: Schema.optional(Schema.String)
})

/** `Idempotency-Key`, as `Api.IdempotencyHeaders` reads it. */
const Headers = Schema.Struct({ "idempotency-key": Schema.optional(Schema.String) })

export const maskingDescription = "What is masked in span payloads and results before they are stored: the data categories " +
  "(a span type that declares one `included` for its params, or results, has every string, number and boolean of its payload, " +
  "or result, replaced by a marker naming the categories) and the field names (case, `_`, `-` and spaces aside) whose values " +
  `are masked in every span; at most ${MaskingPolicy.limits.keys} names of 1–${MaskingPolicy.limits.keyLength} characters. ` +
  "Off (both lists empty) until set; a PUT replaces the whole policy. Account tokens only."

/** The routes, without their authentication (added where the API is assembled). */
export const MaskingGroup = HttpApiGroup.make("masking")
  .add(HttpApiEndpoint.get("get", "/masking_policy").addSuccess(Details(MaskingPolicyResource)))
  .add(
    HttpApiEndpoint.put("update", "/masking_policy").setPayload(MaskingPolicyBody).setHeaders(Headers)
      .addSuccess(Details(MaskingPolicyResource))
  )
  .annotate(OpenApi.Description, maskingDescription)
