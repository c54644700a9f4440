import type { Session } from "../../session/Session.js"
export const Profiles = (_props: { readonly session: Session; readonly id?: string; readonly query?: URLSearchParams }) => <p>todo</p>
