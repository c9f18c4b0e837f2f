import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { DEFAULT_MCP_PATH } from '../module/mcp-session.constants.js';
import type {
  McpSecurityOptions,
  McpSessionModuleOptions,
} from './mcp-session-options.interface.js';
import { InMemoryEventStore } from '../event-store/in-memory-event-store.js';
import { RedisEventStore } from '../event-store/redis-event-store.js';
import type { SessionEventStore } from '../event-store/session-event-store.interface.js';
import { resolveDefaultPrincipal } from '../http/principal.js';
import { SessionCluster } from '../cluster/session-cluster.js';

/** Options with every default applied, as the rest of the module reads them. */
export interface ResolvedMcpSessionOptions {
  path: string;
  /** This replica's membership of the cluster, with `sessionStore: 'redis'`. */
  cluster: SessionCluster | undefined;
  eventStore: SessionEventStore | undefined;
  /** True when the module created the event store and so must release it at shutdown. */
  ownsEventStore: boolean;
  jsonResponse: boolean;
  stateless: boolean;
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
  principalResolver: (req: IncomingMessage) => string | undefined;
}

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/** Thrown at bootstrap for an option that cannot work; the message names the option and the fix. */
export class McpSessionOptionsError extends Error {
  constructor(option: string, problem: string, fix: string) {
    super(`McpSessionModule option "${option}" ${problem}. ${fix}`);
    this.name = 'McpSessionOptionsError';
  }
}

/** The longest delay Node's timers honour; longer ones fire after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function positiveNumber(option: string, value: unknown, unit: string): void {
  const ms = unit === 'seconds' ? Number(value) * 1000 : Number(value);
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || ms > MAX_TIMER_MS) {
    throw new McpSessionOptionsError(
      option,
      `must be a positive number of ${unit} (at most ${MAX_TIMER_MS} ms), got ${String(value)}`,
      `Set it to a value such as 30, or leave it out for the default.`,
    );
  }
}

function positiveInteger(option: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new McpSessionOptionsError(
      option,
      `must be a positive integer, got ${String(value)}`,
      `Set it to a whole number, or leave it out for the default.`,
    );
  }
}

function stringList(option: string, value: unknown): void {
  if (
    !Array.isArray(value) ||
    value.some((entry) => typeof entry !== 'string' || entry.trim() === '')
  ) {
    throw new McpSessionOptionsError(
      option,
      'must be an array of non-empty strings',
      `List values such as ['mcp.example.com', 'localhost:*'].`,
    );
  }
}

function normalizePath(path: unknown): string {
  if (typeof path !== 'string' || path.trim() === '') {
    throw new McpSessionOptionsError(
      'path',
      'must be a non-empty string',
      `Use a route such as '/mcp'.`,
    );
  }
  const trimmed = path.trim().replace(/\/+$/, '');
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/** The event store asked for: by default, where the sessions are. */
function eventStoreChoice(options: McpSessionModuleOptions): McpSessionModuleOptions['eventStore'] {
  return options.eventStore ?? (options.sessionStore === 'redis' ? 'redis' : 'memory');
}

function resolveEventStore(
  options: McpSessionModuleOptions,
): Pick<ResolvedMcpSessionOptions, 'eventStore' | 'ownsEventStore'> {
  const choice = eventStoreChoice(options);
  // A Redis store needs a connection: createMcpSessionOptions makes it.
  if (choice === 'none' || choice === 'redis' || options.stateless) {
    return { eventStore: undefined, ownsEventStore: false };
  }
  if (choice === 'memory') {
    return { eventStore: new InMemoryEventStore(options.inMemoryEventStore), ownsEventStore: true };
  }
  const store = choice as Partial<SessionEventStore>;
  const methods = ['storeEvent', 'replayEventsAfter', 'getStreamIdForEventId', 'purgeSession'];
  if (typeof store !== 'object' || methods.some((m) => typeof store[m as never] !== 'function')) {
    throw new McpSessionOptionsError(
      'eventStore',
      `must be 'memory', 'redis', 'none' or an object implementing SessionEventStore (${methods.join(', ')})`,
      'Pass a SessionEventStore instance, or one of the three strings.',
    );
  }
  return { eventStore: choice as SessionEventStore, ownsEventStore: false };
}

/**
 * Applies defaults and validates the options once, for `forRoot` and `forRootAsync` alike.
 *
 * @throws McpSessionOptionsError naming the first option that cannot work.
 */
export function resolveMcpSessionOptions(
  options: McpSessionModuleOptions = {},
): ResolvedMcpSessionOptions {
  const stateless = options.stateless ?? false;
  const sessionStore = options.sessionStore ?? 'memory';
  if (sessionStore !== 'memory' && sessionStore !== 'redis') {
    throw new McpSessionOptionsError(
      'sessionStore',
      `must be 'memory' or 'redis', got ${String(sessionStore)}`,
      "Use 'redis' to share sessions between replicas, or leave it out.",
    );
  }
  if (stateless && sessionStore === 'redis') {
    throw new McpSessionOptionsError(
      'sessionStore',
      'has no meaning with stateless: true (there are no sessions)',
      'Remove sessionStore, or set stateless to false.',
    );
  }
  if (stateless) {
    for (const option of ['sessionIdleTimeout', 'maxSessionLifetime', 'hibernateAfter'] as const) {
      if (options[option] !== undefined && options[option] !== null) {
        throw new McpSessionOptionsError(
          option,
          'has no meaning with stateless: true (there are no sessions)',
          `Remove ${option}, or set stateless to false.`,
        );
      }
    }
  }
  const idleSeconds = stateless
    ? null
    : options.sessionIdleTimeout === undefined
      ? 1800
      : options.sessionIdleTimeout;
  if (idleSeconds !== null) positiveNumber('sessionIdleTimeout', idleSeconds, 'seconds');
  if (options.retryInterval !== undefined) {
    positiveInteger('retryInterval', options.retryInterval);
    if (idleSeconds !== null && options.retryInterval >= idleSeconds * 1000) {
      throw new McpSessionOptionsError(
        'retryInterval',
        `(${options.retryInterval} ms) must be well below sessionIdleTimeout (${idleSeconds} s), or polling clients expire between polls`,
        'Lower retryInterval or raise sessionIdleTimeout.',
      );
    }
  }
  const lifetimeSeconds = options.maxSessionLifetime ?? null;
  if (lifetimeSeconds !== null) positiveNumber('maxSessionLifetime', lifetimeSeconds, 'seconds');
  const maxSessionsPerPrincipal = options.maxSessionsPerPrincipal ?? null;
  if (maxSessionsPerPrincipal !== null) {
    positiveInteger('maxSessionsPerPrincipal', maxSessionsPerPrincipal);
  }
  const hibernateSeconds = options.hibernateAfter ?? null;
  if (hibernateSeconds !== null) {
    positiveNumber('hibernateAfter', hibernateSeconds, 'seconds');
    if (idleSeconds !== null && hibernateSeconds >= idleSeconds) {
      throw new McpSessionOptionsError(
        'hibernateAfter',
        `(${hibernateSeconds} s) must be below sessionIdleTimeout (${idleSeconds} s), or sessions expire before they hibernate`,
        'Lower hibernateAfter, or remove it.',
      );
    }
  }
  const reapSeconds = options.reapInterval ?? 10;
  positiveNumber('reapInterval', reapSeconds, 'seconds');
  const maxSessions = options.maxSessions ?? 10_000;
  positiveInteger('maxSessions', maxSessions);
  const maxRequestBodySize = options.maxRequestBodySize ?? 4 * 1024 * 1024;
  positiveInteger('maxRequestBodySize', maxRequestBodySize);
  const keepAliveInterval = options.keepAliveInterval ?? 15_000;
  positiveInteger('keepAliveInterval', keepAliveInterval);
  positiveNumber('keepAliveInterval', keepAliveInterval, 'milliseconds');
  const graceSeconds = options.shutdownGracePeriod ?? 10;
  if (
    typeof graceSeconds !== 'number' ||
    !(graceSeconds >= 0) ||
    graceSeconds * 1000 > MAX_TIMER_MS
  ) {
    throw new McpSessionOptionsError(
      'shutdownGracePeriod',
      `must be zero or a positive number of seconds, got ${String(graceSeconds)}`,
      'Set it to the seconds in-flight requests may take to finish at shutdown.',
    );
  }
  for (const fn of ['sessionIdGenerator', 'principalResolver'] as const) {
    if (options[fn] !== undefined && typeof options[fn] !== 'function') {
      throw new McpSessionOptionsError(
        fn,
        'must be a function',
        'Pass a function or leave it out.',
      );
    }
  }
  const security = options.security ?? {};
  const allowedHosts = security.allowedHosts ?? LOOPBACK_HOSTS.map((host) => `${host}:*`);
  const allowedOrigins =
    security.allowedOrigins ??
    LOOPBACK_HOSTS.flatMap((host) => [`http://${host}:*`, `https://${host}:*`]);
  if (
    security.dnsRebindingProtection !== undefined &&
    typeof security.dnsRebindingProtection !== 'boolean'
  ) {
    throw new McpSessionOptionsError(
      'security.dnsRebindingProtection',
      `must be a boolean, got ${String(security.dnsRebindingProtection)}`,
      'Use true or false.',
    );
  }
  stringList('security.allowedHosts', allowedHosts);
  stringList('security.allowedOrigins', allowedOrigins);

  return {
    path: normalizePath(options.path ?? DEFAULT_MCP_PATH),
    cluster: undefined,
    ...resolveEventStore(options),
    jsonResponse: options.jsonResponse ?? false,
    stateless,
    security: {
      dnsRebindingProtection: security.dnsRebindingProtection ?? true,
      allowedHosts,
      allowedOrigins,
    },
    retryInterval: options.retryInterval,
    sessionIdleTimeoutMs: idleSeconds === null ? null : idleSeconds * 1000,
    maxSessionLifetimeMs: lifetimeSeconds === null ? null : lifetimeSeconds * 1000,
    hibernateAfterMs: hibernateSeconds === null ? null : hibernateSeconds * 1000,
    maxSessionsPerPrincipal,
    reapIntervalMs: reapSeconds * 1000,
    maxSessions,
    maxRequestBodySize,
    keepAliveInterval,
    sessionIdGenerator: options.sessionIdGenerator ?? randomUUID,
    shutdownGracePeriodMs: graceSeconds * 1000,
    principalResolver: options.principalResolver ?? resolveDefaultPrincipal,
  };
}

/**
 * Resolves the options (see {@link resolveMcpSessionOptions}) and makes what needs I/O, so that an
 * unreachable Redis fails the application at startup with a clear error: with
 * `sessionStore: 'redis'`, this replica's connection to the cluster (which a Redis event store
 * shares); with `eventStore: 'redis'` alone, a connected {@link RedisEventStore}.
 */
export async function createMcpSessionOptions(
  options: McpSessionModuleOptions = {},
): Promise<ResolvedMcpSessionOptions> {
  const resolved = resolveMcpSessionOptions(options);
  const redisEvents = !resolved.stateless && eventStoreChoice(options) === 'redis';
  if (options.sessionStore === 'redis') {
    const cluster = await SessionCluster.connect(options.redis);
    if (!redisEvents) return { ...resolved, cluster };
    const eventStore = new RedisEventStore(cluster.client, options.redis);
    return { ...resolved, cluster, eventStore, ownsEventStore: true };
  }
  if (!redisEvents) return resolved;
  const eventStore = await RedisEventStore.connect(options.redis);
  return { ...resolved, eventStore, ownsEventStore: true };
}
