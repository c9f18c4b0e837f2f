import type { PlatformRequest } from '../http/platform-exchange.js';
import type { SessionEventStore } from '../event-store/session-event-store.interface.js';
import type { InMemoryEventStoreOptions } from '../event-store/in-memory-event-store.js';
import type { RedisEventStoreBounds } from '../event-store/redis-event-store.js';
import type { RedisConnectionOptions } from '../redis/redis-connection.js';

/**
 * DNS-rebinding protection: which `Host` and `Origin` headers the endpoint accepts.
 *
 * Entries match exactly (case-insensitively), or with a port wildcard: `localhost:*` matches
 * `localhost` on any port, `http://localhost:*` matches that origin on any port.
 *
 * @publicApi
 */
export interface McpSecurityOptions {
  /**
   * Turns the `Host` and `Origin` checks on or off.
   * @default true
   */
  dnsRebindingProtection?: boolean;
  /**
   * Accepted `Host` header values. A request with any other host gets 421.
   * Set this for a deployed server (for example `['mcp.example.com']`).
   * @default ['localhost:*', '127.0.0.1:*', '[::1]:*']
   */
  allowedHosts?: string[];
  /**
   * Accepted `Origin` header values. A request with any other origin gets 403; a request without
   * `Origin` (a non-browser client) is accepted.
   * @default loopback origins over http and https on any port
   */
  allowedOrigins?: string[];
}

/**
 * Options of {@link McpSessionModule}.
 *
 * @publicApi
 */
export interface McpSessionModuleOptions {
  /**
   * Path of the MCP endpoint served by the built-in controller. The application's global prefix
   * applies in front of it.
   * @default '/mcp'
   */
  path?: string;
  /**
   * Where sessions live: `'memory'` in this process only; `'redis'` in a registry on Redis shared
   * by every replica of the application, so that any replica serves any session and a session
   * survives the loss of its replica (see the README, "Running several replicas"). Not allowed
   * with `stateless`.
   * @default 'memory'
   */
  sessionStore?: 'memory' | 'redis';
  /**
   * Where resumable SSE events are kept: `'memory'` for the bounded, session-scoped
   * {@link InMemoryEventStore}; `'redis'` for a {@link RedisEventStore} the module connects at
   * startup (see `redis`) and closes at shutdown; `'none'` to disable resumability; or a store of
   * your own (inject it in `forRootAsync`).
   * @default 'redis' with `sessionStore: 'redis'`, else 'memory'
   */
  eventStore?: 'memory' | 'redis' | 'none' | SessionEventStore;
  /**
   * The Redis server and key prefix, with `sessionStore` or `eventStore` `'redis'`.
   * @default { url: 'redis://127.0.0.1:6379', keyPrefix: 'mcp:' }
   */
  redis?: RedisConnectionOptions & {
    /** @deprecated Set `redisEventStore.maxEventsPerStream`; still read when that is not set. */
    maxEventsPerStream?: number;
    /** @deprecated Set `redisEventStore.ttlSeconds`; still read when that is not set. */
    ttlSeconds?: number;
  };
  /**
   * Bounds of the Redis event store, with `eventStore: 'redis'` (the default with
   * `sessionStore: 'redis'`).
   * @default { maxEventsPerStream: 1000, ttlSeconds: 86400 }
   */
  redisEventStore?: RedisEventStoreBounds;
  /**
   * Bounds of the default in-memory event store.
   * @default { maxEventsPerStream: 1000, maxTotalBytes: 10 MiB }
   */
  inMemoryEventStore?: InMemoryEventStoreOptions;
  /**
   * Answer requests with a single `application/json` response instead of an SSE stream.
   * @default false
   */
  jsonResponse?: boolean;
  /**
   * Which transport serves 2025-era sessions: `'native'`, the module's transport written on
   * Node's request and response, which keeps the SDK transport's wire rules and spends less per
   * request (see BENCHMARKS.md); `'sdk'`, the SDK's own web-standard transport behind a Node/Web
   * bridge.
   * @default 'native'
   */
  transport?: 'sdk' | 'native';
  /**
   * Emit OpenTelemetry metrics and traces (see README, "Observability"), when the optional peer
   * `@opentelemetry/api` is installed and the application registered a meter or tracer provider
   * before the module starts. `false` turns them off even then.
   * @default true
   */
  telemetry?: boolean;
  /**
   * Which protocol eras the endpoint serves. `dual` gives 2025-era clients (those that send
   * `initialize`) sessions and serves 2026-07-28 requests statelessly with the SDK v2's handler;
   * `legacy-only` serves 2025-era clients only; `modern-only` serves 2026-07-28 requests only.
   * Serving 2026-07-28 requests needs a server factory on the SDK v2 (`@modelcontextprotocol/server`);
   * with an SDK v1 factory they get 400 (-32022, unsupported protocol version), which lets probing
   * clients fall back to `initialize`.
   * @default 'dual'
   */
  protocol?: 'dual' | 'legacy-only' | 'modern-only';
  /**
   * Serve a 2026-07-28 request with a server the factory built for an earlier, finished request
   * of the same principal, when one is idle, instead of calling the factory for every request:
   * the server's tools, their schemas and the validators compiled from them are then built once
   * per server, not once per request (see BENCHMARKS.md). Up to 64 idle servers are kept.
   * Only for a factory whose 2026-07-28 servers keep nothing of one request for the next: the
   * factory's `state` object is then shared by the requests a server serves. The SDK v2's handler
   * sets the request's revision and client identity on every request.
   * @default false
   */
  reuseModernServers?: boolean;
  /**
   * The key (at least 32 bytes; a string is UTF-8 encoded) that seals the `requestState` of
   * 2026-07-28 `input_required` results, so that any replica accepts the state another minted.
   * Required with `sessionStore: 'redis'` when 2026-07-28 requests are served; a single process
   * uses a random key of its own when it is not set.
   * @default a random key per process
   */
  requestStateKey?: string | Uint8Array;
  /**
   * No session tracking: every POST gets a fresh server and transport, torn down after it.
   * `GET` and `DELETE` answer 405.
   * @default false
   */
  stateless?: boolean;
  /**
   * DNS-rebinding protection. Secure by default for a server reached on loopback.
   * @default { dnsRebindingProtection: true, allowedHosts: loopback, allowedOrigins: loopback }
   */
  security?: McpSecurityOptions;
  /**
   * Milliseconds suggested to clients in the SSE `retry:` field of priming events.
   * @default undefined (no `retry:` field)
   */
  retryInterval?: number;
  /**
   * Seconds after which a session with no in-flight request and no open stream is closed.
   * `null` disables expiry. Not allowed with `stateless`.
   * @default 1800
   */
  sessionIdleTimeout?: number | null;
  /**
   * Seconds after which a session is closed however active it is (an absolute lifetime). Requests
   * after that get 404; the reaper closes the session, ending any call still in flight.
   * `null` means no limit. Not allowed with `stateless`.
   * @default null
   */
  maxSessionLifetime?: number | null;
  /**
   * Seconds after which a session with no request in flight and no open stream hibernates: it
   * releases its server and transport and keeps only its record (a few hundred bytes), and its
   * next request rebuilds them transparently. `null` keeps sessions awake. Must be below
   * `sessionIdleTimeout`; not allowed with `stateless`.
   * @default null
   */
  hibernateAfter?: number | null;
  /**
   * Seconds between two sweeps of the idle-session reaper.
   * @default 10
   */
  reapInterval?: number;
  /**
   * Sessions open at once (in the whole cluster, with `sessionStore: 'redis'`); the next
   * `initialize` gets 503 with `Retry-After`.
   * @default 10000
   */
  maxSessions?: number;
  /**
   * Sessions one principal may hold at once; the next `initialize` from that principal gets 429.
   * Anonymous sessions are not counted (they have no principal to count them by).
   * `null` means no limit.
   * @default null
   */
  maxSessionsPerPrincipal?: number | null;
  /**
   * Largest request body in bytes; larger bodies get 413 before they are parsed.
   * @default 4194304 (4 MiB)
   */
  maxRequestBodySize?: number;
  /**
   * Milliseconds between SSE keep-alive comments on open streams.
   * @default 15000
   */
  keepAliveInterval?: number;
  /**
   * Generates session ids. Ids must be visible ASCII (0x21–0x7E) and unguessable.
   * @default crypto.randomUUID
   */
  sessionIdGenerator?: () => string;
  /**
   * Seconds that shutdown waits for in-flight requests before it closes them.
   * @default 10
   */
  shutdownGracePeriod?: number;
  /**
   * Finds the principal (the authenticated caller) of a request. A session is bound to the
   * principal that opened it; a request from another principal gets 404. It receives the request
   * as guards see it: Node's `IncomingMessage` on Express, the `FastifyRequest` on Fastify.
   * @default `req.auth.clientId`, else `req.user` (a string, or its `id`, `sub` or `username`)
   */
  // A method signature, so that a resolver typed for one platform's request is accepted.
  principalResolver?(req: PlatformRequest): string | undefined;
}
