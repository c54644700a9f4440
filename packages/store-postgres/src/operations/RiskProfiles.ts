/** `StoreTx.riskProfiles` on PostgreSQL: profiles and their revisions. */
import type { StoreTx } from "@agentledger/domain"
import * as RiskProfileRevisions from "../tables/RiskProfileRevisions.js"
import * as RiskProfiles from "../tables/RiskProfiles.js"
import { insert, list, many, one, type Scope, unguarded, update } from "./Statements.js"

export const riskProfiles = (scope: Scope): StoreTx["riskProfiles"] => {
  const { byId, mine, sql } = scope
  return {
    get: (id) => one(sql`SELECT * FROM risk_profiles WHERE ${byId(id)}`, RiskProfiles.fromRow),
    insert: (row) => insert(scope, RiskProfiles, row),
    update: (row) => unguarded(update(scope, RiskProfiles.table, row.id, RiskProfiles.changes(row))),
    list: (query) => list(scope, RiskProfiles.table, mine, query, RiskProfiles.fromRow),
    getRevision: (id) => one(sql`SELECT * FROM risk_profile_revisions WHERE ${byId(id)}`, RiskProfileRevisions.fromRow),
    insertRevision: (row) => insert(scope, RiskProfileRevisions, row),
    revisions: (id) =>
      many(sql`SELECT * FROM risk_profile_revisions WHERE ${mine} AND risk_profile_id = ${id} ORDER BY revision`, RiskProfileRevisions.fromRow)
  }
}
