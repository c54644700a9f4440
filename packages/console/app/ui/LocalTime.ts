/**
 * Times a reader types: a `datetime-local` field holds local time without a zone, the API takes
 * ISO 8601 with one. These convert between the two (an unreadable entry is no time at all).
 */

const pad = (n: number): string => String(n).padStart(2, "0")

/** An ISO timestamp as a `datetime-local` value in local time; "" when there is none. */
export const toLocalInput = (iso: string | undefined): string => {
  if (iso === undefined) return ""
  const at = new Date(iso)
  if (Number.isNaN(at.getTime())) return ""
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`
}

/** A `datetime-local` value as an ISO timestamp; undefined when empty or unreadable. */
export const fromLocalInput = (value: string): string | undefined => {
  if (value === "") return undefined
  const at = new Date(value)
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString()
}
