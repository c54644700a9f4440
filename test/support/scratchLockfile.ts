/**
 * The lockfile of a project outside the workspace that installs the packed @agentledger tarballs
 * as a user would, but without the network: every third-party package is pinned to the version
 * and integrity of the workspace's own lockfile, so `npm ci --offline` finds each one in the npm
 * cache that the workspace's `npm ci` filled (npm keeps tarballs by their integrity; it keeps no
 * registry metadata when it installs from a lockfile, so a plain `npm install --offline` of the
 * tarballs could not resolve their version ranges on a fresh CI machine).
 *
 * The lockfile holds what npm itself would install: the tarballs' dependencies and required
 * peers, transitively, found from each package's place in the tree as Node finds them (nested
 * `node_modules` first, then upwards). Optional peers (vitest for the testkit) stay out.
 */
import { Schema } from "effect"

const Names = Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String }))

/** What a package needs: a manifest (package.json) or an entry of a lockfile. */
export const Needs = Schema.Struct({
  dependencies: Names,
  optionalDependencies: Names,
  peerDependencies: Names,
  peerDependenciesMeta: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Struct({ optional: Schema.optional(Schema.Boolean) }) }))
})
export type Needs = typeof Needs.Type

export const Manifest = Schema.extend(Needs, Schema.Struct({ name: Schema.String, version: Schema.String, license: Schema.optional(Schema.String) }))
export type Manifest = typeof Manifest.Type

const Entries = Schema.Record({ key: Schema.String, value: Schema.Record({ key: Schema.String, value: Schema.Unknown }) })
const Lockfile = Schema.Struct({ packages: Entries })
const decodeNeeds = Schema.decodeUnknownSync(Needs)

export interface Tarball {
  /** Its path from the scratch project, e.g. `tarballs/agentledger-domain-0.1.0.tgz`. */
  readonly file: string
  /** `sha512-…` of its bytes. */
  readonly integrity: string
  readonly manifest: Manifest
}

/** Where a package at `location` looks for `name`: its own node_modules, then each one above. */
const lookups = (location: string, name: string): ReadonlyArray<string> => {
  const places: Array<string> = []
  for (let at = location; ;) {
    places.push(at === "" ? `node_modules/${name}` : `${at}/node_modules/${name}`)
    if (at === "") return places
    const parent = at.lastIndexOf("/node_modules/")
    at = parent < 0 ? "" : at.slice(0, parent)
  }
}

/** The names a package needs installed, each with whether it may be missing. */
const needed = (needs: Needs): ReadonlyArray<readonly [string, boolean]> => [
  ...Object.keys(needs.dependencies ?? {}).map((name) => [name, false] as const),
  ...Object.keys(needs.optionalDependencies ?? {}).map((name) => [name, true] as const),
  ...Object.keys(needs.peerDependencies ?? {})
    .filter((name) => needs.peerDependenciesMeta?.[name]?.optional !== true)
    .map((name) => [name, false] as const)
]

/** Where the registry keeps a package's tarball, e.g. `…/@effect/platform/-/platform-0.97.2.tgz`. */
const tarballUrl = (registry: string, name: string, version: string): string =>
  `${registry.endsWith("/") ? registry : `${registry}/`}${name}/-/${name.slice(name.lastIndexOf("/") + 1)}-${version}.tgz`

/**
 * An entry of the workspace's lockfile as the scratch project's: "dev" means nothing there, and
 * the tarball's address is written out — npm leaves it out of a lockfile by default
 * (`omit-lockfile-registry-resolved`) and would then ask the registry for it.
 */
const asInstalled = (entry: Readonly<Record<string, unknown>>, location: string, registry: string): Record<string, unknown> => {
  const { dev: _dev, devOptional, ...rest } = entry
  const name = location.slice(location.lastIndexOf("node_modules/") + "node_modules/".length)
  const resolved = typeof rest["resolved"] === "string" || typeof rest["version"] !== "string"
    ? {}
    : { resolved: tarballUrl(registry, name, rest["version"]) }
  return { ...rest, ...resolved, ...(devOptional === true ? { optional: true } : {}) }
}

/**
 * The lockfile (version 3) of a project named `name` that depends on `tarballs`, given the text
 * of the workspace's package-lock.json and npm's registry. Throws when a needed package is in
 * neither.
 */
export const scratchLockfile = (name: string, workspaceLock: string, registry: string, tarballs: ReadonlyArray<Tarball>): unknown => {
  const known = Schema.decodeUnknownSync(Lockfile)(JSON.parse(workspaceLock)).packages
  const ours = new Map(tarballs.map((tarball) => [`node_modules/${tarball.manifest.name}`, tarball]))
  const packages: Record<string, unknown> = {
    "": { name, dependencies: Object.fromEntries(tarballs.map(({ file, manifest }) => [manifest.name, `file:${file}`])) }
  }
  const pending: Array<readonly [string, Needs]> = []
  for (const [location, { file, integrity, manifest }] of ours) {
    const { name: _name, ...described } = manifest
    packages[location] = { ...described, resolved: `file:${file}`, integrity }
    pending.push([location, manifest])
  }
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [location, needs] = next
    for (const [dependency, optional] of needed(needs)) {
      const found = lookups(location, dependency).find((place) => ours.has(place) || (known[place] !== undefined && known[place]["link"] !== true))
      if (found === undefined) {
        if (optional) continue
        throw new Error(`${location} needs ${dependency}, which neither the tarballs nor the workspace's lockfile hold`)
      }
      const entry = known[found]
      if (packages[found] !== undefined || ours.has(found) || entry === undefined) continue
      packages[found] = asInstalled(entry, found, registry)
      pending.push([found, decodeNeeds(entry)])
    }
  }
  return { name, lockfileVersion: 3, requires: true, packages }
}

/** The packages a package needs, transitively, in a lockfile `scratchLockfile` wrote. */
export const closureOf = (lockfile: unknown, location: string): ReadonlySet<string> => {
  const packages = Schema.decodeUnknownSync(Lockfile)(lockfile).packages
  const seen = new Set<string>()
  const visit = (at: string) => {
    const entry = packages[at]
    if (entry === undefined) return
    for (const [dependency] of needed(decodeNeeds(entry))) {
      const found = lookups(at, dependency).find((place) => packages[place] !== undefined)
      if (found !== undefined && !seen.has(found)) {
        seen.add(found)
        visit(found)
      }
    }
  }
  visit(location)
  return new Set([...seen].map((place) => place.slice(place.lastIndexOf("node_modules/") + "node_modules/".length)))
}
