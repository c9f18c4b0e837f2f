import type { ResolvedMcpSessionOptions } from '../options/mcp-session-options.resolver.js';
import type { SessionLimits } from '../session/mcp-session.js';

/** What a directory enforces: how many sessions may be open, and how long each may live. */
export interface SessionBounds {
  maxSessions: number;
  maxSessionsPerPrincipal: number | null;
  /** Suggested to a client refused for `maxSessions` as when to retry: the next sweep. */
  reapIntervalMs: number;
  limits: SessionLimits;
}

/** The bounds the options set. */
export function sessionBoundsOf(options: ResolvedMcpSessionOptions): SessionBounds {
  return {
    maxSessions: options.maxSessions,
    maxSessionsPerPrincipal: options.maxSessionsPerPrincipal,
    reapIntervalMs: options.reapIntervalMs,
    limits: { idleMs: options.sessionIdleTimeoutMs, lifetimeMs: options.maxSessionLifetimeMs },
  };
}
