/**
 * @agentledger/store-memory — the in-memory implementation of agentledger's store port.
 */
export * as MemoryStore from "./MemoryStore.js"
