import type { IncomingHttpHeaders } from 'node:http';
import type { McpSecurityOptions } from '../options/mcp-session-options.interface.js';
import { hostNotAllowed, originNotAllowed, type HttpJsonRpcError } from './json-rpc-error.js';

/** True when `value` matches an allowlist entry exactly or through a `:*` port wildcard. */
export function matchesAllowlist(value: string, allowlist: readonly string[]): boolean {
  const candidate = value.toLowerCase();
  return allowlist.some((entry) => {
    const pattern = entry.toLowerCase();
    if (!pattern.endsWith(':*')) return candidate === pattern;
    const base = pattern.slice(0, -2);
    if (candidate === base) return true;
    if (!candidate.startsWith(`${base}:`)) return false;
    const port = candidate.slice(base.length + 1);
    return /^\d{1,5}$/.test(port) && Number(port) <= 65535;
  });
}

/**
 * Checks `Host` and `Origin` against the allowlists: 421 for a host the server does not answer
 * to, 403 for a foreign origin. Returns `undefined` when the request may proceed.
 */
export function checkDnsRebinding(
  headers: IncomingHttpHeaders,
  security: Required<McpSecurityOptions>,
): HttpJsonRpcError | undefined {
  if (!security.dnsRebindingProtection) return undefined;
  const host = headers.host;
  if (!host || !matchesAllowlist(host, security.allowedHosts)) {
    return hostNotAllowed(host);
  }
  const origin = headers.origin;
  if (origin !== undefined && !matchesAllowlist(origin, security.allowedOrigins)) {
    return originNotAllowed(origin);
  }
  return undefined;
}
