/**
 * How the console writes times, durations, points and ids: in the reader's local time zone,
 * with units, and ids shortened where a table would otherwise be all ids.
 */

const pad = (n: number, width = 2): string => String(n).padStart(width, "0")

/** A timestamp as local `YYYY-MM-DD HH:MM:SS`; "—" when there is none. */
export const dateTime = (iso: string | null | undefined): string => {
  if (iso === null || iso === undefined || iso === "") return "—"
  const at = new Date(iso)
  if (Number.isNaN(at.getTime())) return iso
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`
}

/** Milliseconds between two timestamps, or null when either is missing. */
export const millisBetween = (from: string | null, to: string | null): number | null => {
  if (from === null || to === null) return null
  const ms = Date.parse(to) - Date.parse(from)
  return Number.isFinite(ms) ? ms : null
}

/** A duration with a unit a person reads at a glance: 850 ms, 1.25 s, 3 min 05 s, 2 h 04 min. */
export const duration = (ms: number | null): string => {
  if (ms === null) return "—"
  if (ms < 0) return `−${duration(-ms)}`
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`
  const seconds = Math.round(ms / 1000)
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${pad(seconds % 60)} s`
  const minutes = Math.round(seconds / 60)
  return `${Math.floor(minutes / 60)} h ${pad(minutes % 60)} min`
}

/** Risk points as the API gives them (two decimals at most). */
export const points = (value: number): string => (Number.isInteger(value) ? String(value) : value.toFixed(2).replace(/0$/, ""))

/** A share (0–1) as a percentage. */
export const percent = (share: number): string => `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`

/** The last characters of an id: enough to tell rows apart; the whole id is in its title. */
export const shortId = (id: string): string => (id.length > 10 ? `…${id.slice(-8)}` : id)

// One formatter for every count: `toLocaleString` builds a new one per call, which costs
// milliseconds when a tree row is rendered thousands of times.
const counts = new Intl.NumberFormat("en")

/** A count with thousands separated. */
export const count = (n: number): string => counts.format(n)

/** Words of an API name: `smoke_test` → "smoke test". */
export const words = (name: string): string => name.replace(/_/g, " ")
