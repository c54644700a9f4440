/** `StoreTx.maskingPolicy` on PostgreSQL: the account's one row, written with an upsert. */
import type { StoreTx } from "@agentledger/domain"
import * as MaskingPolicies from "../tables/MaskingPolicies.js"
import { one, type Scope, unguarded } from "./Statements.js"

export const maskingPolicy = ({ mine, sql }: Scope): StoreTx["maskingPolicy"] => ({
  get: () => one(sql`SELECT * FROM masking_policies WHERE ${mine}`, MaskingPolicies.fromRow),
  put: (policy) => {
    const row = MaskingPolicies.toRow(policy)
    return unguarded(sql`INSERT INTO masking_policies ${sql.insert(row)}
                         ON CONFLICT (account_id) DO UPDATE
                         SET categories = EXCLUDED.categories, keys = EXCLUDED.keys, updated_at = EXCLUDED.updated_at`)
  }
})
