/**
 * The routes of erasure and retention (`Api.ts` adds the group behind its authentication):
 * delete a run (`DELETE /agent_instance/{id}`, answering the run as it was), redact a finished
 * run (`POST /agent_instance/{id}/redact`), erase an agent's runs that started in a window
 * (`POST /agent/{id}/erase`, `{started_after?, started_before?, mode: "delete" | "redact"}`,
 * answering counts), and read or set the account's retention policy (`GET`/`PUT
 * /retention_policy`). Account tokens only. Defined apart from `Api.ts`, which imports them: so
 * nothing here reads `Api.ts`'s own values, which are not yet made when this module is.
 */
import { Erasure, Ids, Retention } from "@agentledger/domain"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as OpenApi from "@effect/platform/OpenApi"
import { Schema } from "effect"
import { Details, PlainResource } from "./Envelope.js"
import { InstanceResource } from "./Resources.js"

/** `Idempotency-Key`, as `Api.ts` declares it. */
const KeyHeaders = Schema.Struct({ "idempotency-key": Schema.optional(Schema.String) })
const idempotencyKey = { idempotency_key: Schema.optional(Schema.String) }

export const RetentionPolicyResource = PlainResource("retention_policy", Retention.RetentionPolicy.fields)
export const ErasedResource = PlainResource("agent_instance_erasure", Erasure.Erased.fields)

export const eraseDescription = "Deletes (mode delete: every run, any status) or redacts (mode redact: finished runs; payloads and " +
  "results replaced by {\"redacted\": true}, structure, statuses, conformance and risk kept) the agent's runs that started in " +
  "[started_after, started_before) — a run never started by its registration — in units of at most " +
  `${Erasure.batchRuns} runs, each audited as agent_instance.erase. Answers what it erased; unfinished counts the runs of the ` +
  "window a redaction left because they had not finished. A repeat erases what is left, so it takes no idempotency key."

export const retentionDescription = "The account's retention policy: runs finished more than run_days days ago (null: kept " +
  "forever) are deleted with their spans by the server's retention job; an environment's entry overrides run_days there " +
  "(null: its runs kept forever). Runs never finished are kept. PUT replaces the whole policy."

/** The group, without its middleware (`Api.ts` adds `Authentication`). */
export const ErasureEndpoints = HttpApiGroup.make("erasure")
  .add(
    HttpApiEndpoint.del("deleteRun", "/agent_instance/:id").setPath(Schema.Struct({ id: Ids.InstanceId })).setHeaders(KeyHeaders)
      .addSuccess(Details(InstanceResource))
      .annotate(OpenApi.Description, "Deletes the run with its spans; answers the run as it was (audited as agent_instance.delete)")
  )
  .add(
    HttpApiEndpoint.post("redactRun", "/agent_instance/:id/redact").setPath(Schema.Struct({ id: Ids.InstanceId }))
      .setPayload(Schema.NullOr(Schema.Struct(idempotencyKey))).setHeaders(KeyHeaders)
      .addSuccess(Details(InstanceResource))
      .annotate(OpenApi.Description, "Replaces a finished run's payloads and results by {\"redacted\": true}; redacted_at marks it")
  )
  .add(
    HttpApiEndpoint.post("eraseRuns", "/agent/:id/erase").setPath(Schema.Struct({ id: Ids.AgentId }))
      .setPayload(Erasure.EraseRuns).addSuccess(Details(ErasedResource))
      .annotate(OpenApi.Description, eraseDescription)
  )
  .add(
    HttpApiEndpoint.get("getRetentionPolicy", "/retention_policy").addSuccess(Details(RetentionPolicyResource))
      .annotate(OpenApi.Description, retentionDescription)
  )
  .add(
    HttpApiEndpoint.put("updateRetentionPolicy", "/retention_policy")
      .setPayload(Schema.Struct({ details: Retention.RetentionPolicyInput, ...idempotencyKey })).setHeaders(KeyHeaders)
      .addSuccess(Details(RetentionPolicyResource))
      .annotate(OpenApi.Description, retentionDescription)
  )
  .annotate(OpenApi.Description, "Erasure and retention: delete or redact runs, one or an agent's in a window; the retention policy")
