import { randomUUID } from 'node:crypto';
import type { PlatformRequest } from '../http/platform-exchange.js';
import { DEFAULT_MCP_PATH } from '../module/mcp-session.constants.js';
import type {
  McpSecurityOptions,
  McpSessionModuleOptions,
} from './mcp-session-options.interface.js';
import type { InMemoryEventStoreOptions } from '../event-store/in-memory-event-store.js';
import type { RedisEventStoreBounds } from '../event-store/redis-event-store.js';
import type { SessionEventStore } from '../event-store/session-event-store.interface.js';
import { resolveDefaultPrincipal } from '../http/principal.js';
import {
  DEFAULT_REDIS_KEY_PREFIX,
  DEFAULT_REDIS_URL,
  type RedisConnectionOptions,
} from '../redis/redis-connection.js';
import { McpSessionOptionsError } from './mcp-session-options.error.js';
import { idleSecondsOf, OPTION_RULES } from './option-rules.js';

export { McpSessionOptionsError };

/** The event store to use: built by the module from a name, or the application's own. */
export type EventStoreChoice = 'memory' | 'redis' | 'none' | SessionEventStore;

/**
 * Options with every default applied, as the rest of the module reads them: plain data. The
 * resources they name (event store, cluster membership) are providers of their own.
 */
export interface ResolvedMcpSessionOptions {
  path: string;
  /** Where sessions live: this process, or the cluster's registry on Redis. */
  sessionStore: 'memory' | 'redis';
  /** The event store; `'none'` when streams are not resumable (always so when stateless). */
  eventStore: EventStoreChoice;
  inMemoryEventStore: InMemoryEventStoreOptions;
  redis: Required<RedisConnectionOptions>;
  redisEventStore: RedisEventStoreBounds;
  jsonResponse: boolean;
  /** Which transport serves 2025-era sessions. */
  transport: 'sdk' | 'native';
  /** Whether to emit OpenTelemetry metrics and traces, when a provider is registered. */
  telemetry: boolean;
  stateless: boolean;
  protocol: 'dual' | 'legacy-only' | 'modern-only';
  /** Whether 2026-07-28 requests may be served by servers of earlier requests. */
  reuseModernServers: boolean;
  /** The key of `input_required` request state, when set. */
  requestStateKey: string | Uint8Array | undefined;
  security: Required<McpSecurityOptions>;
  retryInterval: number | undefined;
  /** Idle timeout in milliseconds, or `null` when sessions never expire. */
  sessionIdleTimeoutMs: number | null;
  /** Absolute session lifetime in milliseconds, or `null` for none. */
  maxSessionLifetimeMs: number | null;
  /** Quiet time in milliseconds after which a session hibernates, or `null` for never. */
  hibernateAfterMs: number | null;
  maxSessionsPerPrincipal: number | null;
  reapIntervalMs: number;
  maxSessions: number;
  maxRequestBodySize: number;
  keepAliveInterval: number;
  sessionIdGenerator: () => string;
  shutdownGracePeriodMs: number;
  principalResolver: (req: PlatformRequest) => string | undefined;
}

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

function normalizePath(path: string): string {
  const trimmed = path.trim().replace(/\/+$/, '');
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/**
 * Checks every rule of {@link OPTION_RULES}, in order.
 *
 * @throws McpSessionOptionsError for the first option that breaks a rule.
 */
export function validateMcpSessionOptions(options: McpSessionModuleOptions): void {
  for (const rule of OPTION_RULES) {
    const value = rule.value(options);
    if (value === undefined) continue;
    const broken = rule.check(value, options);
    if (broken) throw new McpSessionOptionsError(rule.option, broken.problem, broken.fix);
  }
}

/** The event store asked for: by default, where the sessions are; none without sessions. */
function eventStoreChoice(options: McpSessionModuleOptions): EventStoreChoice {
  if (options.stateless) return 'none';
  return options.eventStore ?? (options.sessionStore === 'redis' ? 'redis' : 'memory');
}

/**
 * Applies defaults and validates the options once, for `forRoot` and `forRootAsync` alike. Makes
 * nothing: the stores and the cluster membership are built by their providers.
 *
 * @throws McpSessionOptionsError naming the first option that cannot work.
 */
export function resolveMcpSessionOptions(
  options: McpSessionModuleOptions = {},
): ResolvedMcpSessionOptions {
  validateMcpSessionOptions(options);
  const stateless = options.stateless ?? false;
  const idleSeconds = idleSecondsOf(options);
  const lifetimeSeconds = options.maxSessionLifetime ?? null;
  const hibernateSeconds = options.hibernateAfter ?? null;
  const security = options.security ?? {};
  return {
    path: normalizePath(options.path ?? DEFAULT_MCP_PATH),
    sessionStore: options.sessionStore ?? 'memory',
    eventStore: eventStoreChoice(options),
    inMemoryEventStore: options.inMemoryEventStore ?? {},
    redis: {
      url: options.redis?.url ?? DEFAULT_REDIS_URL,
      keyPrefix: options.redis?.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX,
    },
    // The bounds used to sit beside the connection settings; that shape is still read.
    redisEventStore: options.redisEventStore ?? {
      maxEventsPerStream: options.redis?.maxEventsPerStream,
      ttlSeconds: options.redis?.ttlSeconds,
    },
    jsonResponse: options.jsonResponse ?? false,
    transport: options.transport ?? 'native',
    telemetry: options.telemetry ?? true,
    stateless,
    protocol: options.protocol ?? 'dual',
    reuseModernServers: options.reuseModernServers ?? false,
    requestStateKey: options.requestStateKey,
    security: {
      dnsRebindingProtection: security.dnsRebindingProtection ?? true,
      allowedHosts: security.allowedHosts ?? LOOPBACK_HOSTS.map((host) => `${host}:*`),
      allowedOrigins:
        security.allowedOrigins ??
        LOOPBACK_HOSTS.flatMap((host) => [`http://${host}:*`, `https://${host}:*`]),
    },
    retryInterval: options.retryInterval,
    sessionIdleTimeoutMs: idleSeconds === null ? null : idleSeconds * 1000,
    maxSessionLifetimeMs: lifetimeSeconds === null ? null : lifetimeSeconds * 1000,
    hibernateAfterMs: hibernateSeconds === null ? null : hibernateSeconds * 1000,
    maxSessionsPerPrincipal: options.maxSessionsPerPrincipal ?? null,
    reapIntervalMs: (options.reapInterval ?? 10) * 1000,
    maxSessions: options.maxSessions ?? 10_000,
    maxRequestBodySize: options.maxRequestBodySize ?? 4 * 1024 * 1024,
    keepAliveInterval: options.keepAliveInterval ?? 15_000,
    sessionIdGenerator: options.sessionIdGenerator ?? randomUUID,
    shutdownGracePeriodMs: (options.shutdownGracePeriod ?? 10) * 1000,
    principalResolver: options.principalResolver ?? resolveDefaultPrincipal,
  };
}
