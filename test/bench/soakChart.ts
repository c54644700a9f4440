/**
 * The soak bench's picture: three panels over the same time axis — the server's RSS, the span
 * creates' p50 and p99 per window, and the event-loop delay's p99 and max per window — as a
 * hand-written SVG (polylines, grid lines and text), so the figure in docs/benchmarks.md needs no
 * plotting dependency and diffs as text.
 */

export interface Sample {
  /** Seconds since the open loop started, at the window's end. */
  readonly atS: number
  readonly rssMib: number
  readonly p50Ms: number
  readonly p99Ms: number
  /** From the server's stats line for the window; undefined when no line fell in it. */
  readonly loopP99Ms: number | undefined
  readonly loopMaxMs: number | undefined
}

interface Series {
  readonly label: string
  readonly color: string
  readonly dashed?: boolean
  readonly values: ReadonlyArray<readonly [number, number | undefined]>
}

interface Panel {
  readonly title: string
  readonly series: ReadonlyArray<Series>
}

const width = 760
const left = 64
const right = 24
const panelHeight = 150
const gap = 56
const top = 80
const plotWidth = width - left - right

const escape = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

/** The smallest 1, 2 or 5 × 10^k at or above `value`, so the axis ends on a round figure. */
const niceCeiling = (value: number): number => {
  if (!(value > 0) || !Number.isFinite(value)) return 1
  const power = 10 ** Math.floor(Math.log10(value))
  const step = [1, 2, 5, 10].find((m) => m * power >= value) ?? 10
  return step * power
}

const label = (value: number): string => (value >= 100 || Number.isInteger(value) ? value.toFixed(0) : value.toFixed(1))

const panelSvg = (panel: Panel, index: number, maxS: number, markS: number): string => {
  const y0 = top + index * (panelHeight + gap)
  const values = panel.series.flatMap((s) => s.values.flatMap(([, v]) => (v === undefined || !Number.isFinite(v) ? [] : [v])))
  const yMax = niceCeiling(Math.max(0, ...values) * 1.1)
  const x = (s: number) => left + (s / maxS) * plotWidth
  const y = (v: number) => y0 + panelHeight - (v / yMax) * panelHeight
  const parts: Array<string> = []
  parts.push(`<text x="${left}" y="${y0 - 10}" font-size="13" font-weight="bold">${escape(panel.title)}</text>`)
  // The legend at the panel's top right, laid out from the right edge (≈ 6.2 px per character at 11 px).
  let legendX = width - right
  for (const s of [...panel.series].reverse()) {
    legendX -= 26 + s.label.length * 6.2
    parts.push(`<line x1="${legendX.toFixed(1)}" y1="${y0 - 14}" x2="${(legendX + 18).toFixed(1)}" y2="${y0 - 14}" stroke="${s.color}" stroke-width="2"${s.dashed === true ? ' stroke-dasharray="4 3"' : ""}/>`)
    parts.push(`<text x="${(legendX + 22).toFixed(1)}" y="${y0 - 10}" font-size="11">${escape(s.label)}</text>`)
    legendX -= 10
  }
  for (let tick = 0; tick <= 4; tick++) {
    const value = (yMax * tick) / 4
    parts.push(`<line x1="${left}" y1="${y(value).toFixed(1)}" x2="${width - right}" y2="${y(value).toFixed(1)}" stroke="#ddd"/>`)
    parts.push(`<text x="${left - 6}" y="${(y(value) + 4).toFixed(1)}" font-size="11" text-anchor="end">${label(value)}</text>`)
  }
  if (markS > 0 && markS < maxS) {
    parts.push(`<line x1="${x(markS).toFixed(1)}" y1="${y0}" x2="${x(markS).toFixed(1)}" y2="${y0 + panelHeight}" stroke="#999" stroke-dasharray="2 3"/>`)
  }
  for (const s of panel.series) {
    // A gap in the data (a window without a figure) breaks the line rather than bridging it.
    const runs: Array<Array<string>> = [[]]
    for (const [at, v] of s.values) {
      if (v === undefined || !Number.isFinite(v)) {
        runs.push([])
        continue
      }
      runs[runs.length - 1]?.push(`${x(at).toFixed(1)},${y(v).toFixed(1)}`)
    }
    for (const points of runs.filter((r) => r.length > 0)) {
      parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dashed === true ? ' stroke-dasharray="4 3"' : ""} points="${points.join(" ")}"/>`)
      if (points.length === 1) {
        const [px, py] = (points[0] ?? "0,0").split(",")
        parts.push(`<circle cx="${px}" cy="${py}" r="2.5" fill="${s.color}"/>`)
      }
    }
  }
  parts.push(`<rect x="${left}" y="${y0}" width="${plotWidth}" height="${panelHeight}" fill="none" stroke="#888"/>`)
  return parts.join("\n")
}

/** X-axis ticks every 10, 30, 60, 120 or 300 s: the finest that gives at most ten. */
const xTicks = (maxS: number): ReadonlyArray<number> => {
  const step = [10, 30, 60, 120, 300].find((s) => maxS / s <= 10) ?? 600
  const ticks: Array<number> = []
  for (let at = 0; at <= maxS + 1e-9; at += step) ticks.push(at)
  return ticks
}

/**
 * The SVG document. `markS` draws a dotted line at that time in every panel (where the RSS
 * verdict starts counting).
 */
export const soakSvg = (samples: ReadonlyArray<Sample>, title: string, subtitle: string, markS: number): string => {
  const maxS = Math.max(10, ...samples.map((s) => s.atS))
  const panels: ReadonlyArray<Panel> = [
    { title: "server RSS, MiB", series: [{ label: "RSS", color: "#1f77b4", values: samples.map((s) => [s.atS, s.rssMib]) }] },
    {
      title: "span create latency per window, ms",
      series: [
        { label: "p99", color: "#d62728", values: samples.map((s) => [s.atS, s.p99Ms]) },
        { label: "p50", color: "#ff9896", values: samples.map((s) => [s.atS, s.p50Ms]) }
      ]
    },
    {
      title: "event-loop delay per window, ms",
      series: [
        { label: "p99", color: "#2ca02c", values: samples.map((s) => [s.atS, s.loopP99Ms]) },
        { label: "max", color: "#98df8a", dashed: true, values: samples.map((s) => [s.atS, s.loopMaxMs]) }
      ]
    }
  ]
  const height = top + panels.length * (panelHeight + gap) - gap + 40
  const axisY = top + (panels.length - 1) * (panelHeight + gap) + panelHeight
  const ticks = xTicks(maxS).map((at) => {
    const x = (left + (at / maxS) * plotWidth).toFixed(1)
    return `<line x1="${x}" y1="${axisY}" x2="${x}" y2="${axisY + 4}" stroke="#888"/><text x="${x}" y="${axisY + 16}" font-size="11" text-anchor="middle">${at}</text>`
  })
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${left}" y="22" font-size="15" font-weight="bold">${escape(title)}</text>`,
    `<text x="${left}" y="40" font-size="11" fill="#444">${escape(subtitle)}</text>`,
    ...panels.map((panel, index) => panelSvg(panel, index, maxS, markS)),
    ...ticks,
    `<text x="${left + plotWidth / 2}" y="${axisY + 32}" font-size="11" text-anchor="middle">seconds since the open loop started</text>`,
    "</svg>",
    ""
  ].join("\n")
}
