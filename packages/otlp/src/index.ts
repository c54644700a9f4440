/**
 * @agentledger/otlp — OpenTelemetry traces into agentledger: the OTLP/HTTP trace endpoint's
 * decoders (protobuf and JSON, bounded), its answers, and the mapping of spans that follow the
 * GenAI semantic conventions onto runs and spans of the Ledger.
 */
export * as Answer from "./Answer.js"
export * as Body from "./Body.js"
export * from "./Errors.js"
export * as JsonDecode from "./json/Decode.js"
export * as Limits from "./Limits.js"
export * as Model from "./Model.js"
export * as ProtoDecode from "./proto/Decode.js"
export * as ProtoEncode from "./proto/Encode.js"
export * as Text from "./Text.js"
