/**
 * @agentledger/store-postgres — agentledger's store port on PostgreSQL and on embedded PGlite,
 * one SQL for both.
 */
export * as Migrations from "./Migrations.js"
export * as PgliteClient from "./PgliteClient.js"
export * as PgliteThread from "./PgliteThread.js"
export * as PgliteWorker from "./PgliteWorker.js"
export * as PgStore from "./PgStore.js"
