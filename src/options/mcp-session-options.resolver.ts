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
import { McpSessionOptionsError } from './mcp-session-options.error.js';
import { idleSecondsOf, OPTION_RULES } from './option-rules.js';

export { McpSessionOptionsError };

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
  validateMcpSessionOptions(options);
  const stateless = options.stateless ?? false;
  const idleSeconds = idleSecondsOf(options);
  const lifetimeSeconds = options.maxSessionLifetime ?? null;
  const hibernateSeconds = options.hibernateAfter ?? null;
  const security = options.security ?? {};
  return {
    path: normalizePath(options.path ?? DEFAULT_MCP_PATH),
    cluster: undefined,
    ...resolveEventStore(options),
    jsonResponse: options.jsonResponse ?? false,
    stateless,
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
