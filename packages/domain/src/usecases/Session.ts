/**
 * What the use cases of one caller are built on: who calls, the ledger they share with every
 * other caller, their units of work and the loads of the records they may see. Each module of
 * use cases takes a `Session` and answers its part of `LedgerSession`.
 */
import type { AccountId } from "../Ids.js"
import type { Principal } from "../Ledger.js"
import * as Loads from "./Loads.js"
import type { Shared } from "./Shared.js"
import * as UnitOfWork from "./UnitOfWork.js"

export interface Session {
  readonly principal: Principal
  readonly account: AccountId
  readonly shared: Shared
  readonly work: UnitOfWork.UnitOfWork
  readonly load: Loads.Loads
}

export const make = (shared: Shared, principal: Principal): Session => ({
  principal,
  account: principal.account_id,
  shared,
  work: UnitOfWork.make(shared, principal),
  load: Loads.make(principal)
})
