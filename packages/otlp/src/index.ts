/**
 * @agentledger/otlp — OpenTelemetry traces into agentledger: the OTLP/HTTP trace endpoint
 * (`Route`), its bounded decoders (protobuf and JSON) and its answers, the mapping of spans that
 * follow the GenAI semantic conventions onto runs and spans, and their ingestion through the
 * `Ledger` (docs/otlp.md).
 */
export * as Answer from "./Answer.js"
export * as Body from "./Body.js"
export * from "./Errors.js"
export * as BuiltIn from "./genai/BuiltIn.js"
export * as Payload from "./genai/Payload.js"
export * as SpanType from "./genai/SpanType.js"
export * as Values from "./genai/Values.js"
export * as Ingest from "./Ingest.js"
export * as JsonDecode from "./json/Decode.js"
export * as Limits from "./Limits.js"
export * as Model from "./Model.js"
export * as Plan from "./Plan.js"
export * as ProtoDecode from "./proto/Decode.js"
export * as ProtoEncode from "./proto/Encode.js"
export * as Reported from "./Reported.js"
export * as Route from "./Route.js"
export * as SpanIds from "./SpanIds.js"
export * as Target from "./Target.js"
export * as Text from "./Text.js"
