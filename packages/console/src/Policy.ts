/**
 * The headers every answer of the console carries. The console holds a bearer token in memory
 * and renders tenants' data (span payloads, names): the policy lets nothing run or load but the
 * console's own bundle from this origin, lets it talk to this origin only, and lets no other page
 * frame it. Trusted Types are required with no policy allowed, so no string can become markup
 * or script through a DOM sink: the console renders text, never HTML.
 */

/** The Content-Security-Policy of every console answer. */
export const contentSecurityPolicy: string = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  // The icon is an empty data: URL, so that the browser asks the server for no /favicon.ico.
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'"
].join("; ")

/** The security headers of every console answer, the policy among them. */
export const securityHeaders: Readonly<Record<string, string>> = {
  "content-security-policy": contentSecurityPolicy,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()"
}

/** The page itself is revalidated on every visit (its asset names change with each build). */
export const pageCacheControl = "no-cache"

/** Assets are named by the hash of their content: a name never holds other bytes, so they never expire. */
export const assetCacheControl = "public, max-age=31536000, immutable"
