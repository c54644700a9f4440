/**
 * Activity schemas the SDK tests give the SDK as `agentSchema`: the recording tests and the
 * failure tests share them. (The risk test's schema sits with its hand-computed points, in
 * test/prefactor-sdk/risk.ts.)
 */

/**
 * The SDK's span payload is `{span_id, trace_id, name, status, inputs, outputs, metadata,
 * token_usage, error}`: `agent`, `chain` and `tool` declare what it satisfies; `llm` requires a
 * top-level `prompt`, which the SDK never sends (it is inside `inputs`), so llm spans are
 * flagged; `custom:retrieval` is not declared at all.
 */
export const treeSchema = {
  external_identifier: "support-bot-sdk-1",
  span_type_schemas: [
    {
      name: "agent",
      params_schema: { type: "object", required: ["span_id", "trace_id", "name", "inputs"], properties: { inputs: { type: "object", required: ["question"] } } },
      result_schema: { type: "object", required: ["answer"], properties: { answer: { type: "string" } } }
    },
    { name: "chain", params_schema: { type: "object", required: ["inputs"] } },
    { name: "llm", title: "LLM call", params_schema: { type: "object", required: ["prompt"] } },
    {
      name: "tool",
      params_schema: { type: "object", required: ["inputs", "error"], properties: { inputs: { type: "object", required: ["order_id"] } } },
      // A failed span's error report is not held to the result schema.
      result_schema: { type: "object", required: ["order"] }
    }
  ]
}

export const agentOnlySchema = {
  external_identifier: "quick-agent-1",
  span_type_schemas: [
    { name: "agent", params_schema: { type: "object", required: ["inputs"] }, result_schema: { type: "object", required: ["answer"] } },
    { name: "tool", params_schema: { type: "object" } }
  ]
}
