/**
 * Statuses, risk levels and conformance as badges: the word is always written (colour is never
 * the only sign), and the colours keep a contrast of at least 4.5:1 (styles.css).
 */
import type { ConformanceStatus, RiskLevel, Status } from "../api/Runs.js"
import { words } from "./Format.js"

export const StatusBadge = ({ status }: { readonly status: Status | string }) => <span class={`badge status-${status}`}>{words(status)}</span>

export const LevelBadge = ({ level, prefix }: { readonly level: RiskLevel | null; readonly prefix?: string }) =>
  level === null
    ? <span class="badge level-none" title="no risk profile: not scored">not scored</span>
    : <span class={`badge level-${level}`}>{prefix === undefined ? "" : `${prefix} `}{level}</span>

/**
 * How a conformance status reads: `conforms` and `not_applicable` are fine; the rest is what the
 * API counts as flagged for review (its `flagged` filter and `conformance_counts.flagged`).
 */
export const conformanceTone = (status: ConformanceStatus): "fine" | "flagged" =>
  status === "conforms" || status === "not_applicable" ? "fine" : "flagged"

export const ConformanceBadge = ({ target, status }: { readonly target: string; readonly status: ConformanceStatus }) => (
  <span class={`badge conformance-${conformanceTone(status)}`}>
    {conformanceTone(status) === "flagged" ? "⚑ " : ""}
    {target} {words(status)}
  </span>
)
