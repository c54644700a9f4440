/** A link inside the console: followed without a reload, or in a new tab when the reader asks. */
import type { ComponentChildren } from "preact"
import { followLink } from "../Router.js"

export const Link = ({ to, children, title, current }: {
  readonly to: string
  readonly children: ComponentChildren
  readonly title?: string
  readonly current?: boolean
}) => (
  <a href={to} title={title} aria-current={current === true ? "page" : undefined} onClick={(event) => followLink(event, to)}>
    {children}
  </a>
)
