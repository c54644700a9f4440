/**
 * `GET /activity`'s schemas: its query parameters (`Commands.GetActivity`, each decoded by the
 * domain's own schema, so a value the domain does not know is a 400 `validation_errors` naming
 * the parameter) and its answer, the domain's `Activity` as it is.
 */
import { Activity, Ids, Timestamp } from "@agentledger/domain"
import { Schema } from "effect"

/** The spans to count and how: the window, the agent or the run, the buckets' length. */
export const ActivityQuery = Schema.Struct({
  since: Schema.optional(Timestamp.Timestamp),
  until: Schema.optional(Timestamp.Timestamp),
  agent_id: Schema.optional(Ids.AgentId),
  agent_instance_id: Schema.optional(Ids.InstanceId),
  bucket_minutes: Schema.optional(Schema.NumberFromString.pipe(Schema.int()))
})

/** Every bucket of the window, oldest first, with its spans by status (zeros included). */
export const ActivityWire = Activity.Activity

export const activityDescription = "The spans that started in a window (since, inclusive; until, exclusive; default: the last " +
  "24 hours), counted by status in buckets of bucket_minutes (default 5) that start at whole multiples of their length since the " +
  `epoch; the bounds are rounded out to whole buckets, every bucket is present, at most ${Activity.maxBuckets}. Narrowed to ` +
  "one agent (agent_id) or one run (agent_instance_id); a deployment token counts its own agent's spans only"
