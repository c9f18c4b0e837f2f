import { Logger } from '@nestjs/common';
import type { McpHttpHandler, ServerEventBus } from '@modelcontextprotocol/server';
import type { AuthInfo } from '../protocol/json-rpc.js';
import type { ResolvedMcpSessionOptions } from '../options/mcp-session-options.resolver.js';
import type { McpRequest } from '../pipeline/mcp-request.js';
import type { McpServerSource } from '../server/mcp-server-source.js';
import type { McpTransport } from '../server/mcp-transport.interface.js';
import { NO_TELEMETRY, type McpTelemetry } from '../telemetry/mcp-telemetry.js';
import type { ModernRequestCounts } from './modern-request-counts.js';
import type { ModernSdk } from './modern-sdk.js';
import { ModernServerPool, type ModernServer } from './modern-server-pool.js';
import { assertSharedRequestStateKey } from './request-state.js';

/** What the modern leg takes from the options. */
type ModernOptions = Pick<
  ResolvedMcpSessionOptions,
  | 'protocol'
  | 'jsonResponse'
  | 'keepAliveInterval'
  | 'maxRequestBodySize'
  | 'sessionStore'
  | 'requestStateKey'
  | 'reuseModernServers'
>;

/** One request being served: its principal, for the factory, and the server it was given. */
interface ModernExchange {
  readonly principal: string | undefined;
  server?: ModernServer;
}

function header(request: McpRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

function isListen(body: unknown): boolean {
  return (body as { method?: unknown } | null)?.method === 'subscriptions/listen';
}

/**
 * The endpoint's leg for the 2026-07-28 protocol revision: requests without a session, each
 * served by a fresh server from the application's factory (`era: 'modern'`) through the SDK v2's
 * own handler (`createMcpHandler`, strict: 2025-era traffic stays on the session legs). Requests
 * are told apart with the SDK's own classification, on the body the endpoint has read.
 *
 * `subscriptions/listen` streams are served by a second handler on the same event bus, so that
 * shutdown can end them (each with its graceful final result) while other calls finish.
 */
export class ModernEndpoint {
  private readonly logger = new Logger(ModernEndpoint.name);
  private calls: McpHttpHandler | undefined;
  private listens: McpHttpHandler | undefined;
  /** Each request being served, by the web-standard request the SDK's handler is given. */
  private readonly exchanges = new WeakMap<Request, ModernExchange>();
  /** Servers of finished requests, with `reuseModernServers`. */
  private readonly pool: ModernServerPool | undefined;
  private readonly counts: ModernRequestCounts = { inFlight: 0, subscriptions: 0, served: 0 };

  constructor(
    private readonly options: ModernOptions,
    private readonly sdk: ModernSdk | undefined,
    private readonly bus: ServerEventBus | null,
    private readonly servers: McpServerSource,
    private readonly telemetry: McpTelemetry = NO_TELEMETRY,
  ) {
    if (options.reuseModernServers) this.pool = new ModernServerPool();
  }

  /** True when the options ask for 2026-07-28 requests and the SDK v2 is installed. */
  get wanted(): boolean {
    return this.options.protocol !== 'legacy-only' && this.sdk !== undefined;
  }

  /**
   * Starts serving 2026-07-28 requests, when the options ask for it and the application's factory
   * builds SDK v2 servers for that era; call it once the factory is bound (for `modern` when
   * {@link wanted}).
   *
   * @throws Error when `protocol: 'modern-only'` is asked of a factory that cannot serve it, and
   * McpSessionOptionsError when replicas share sessions without a shared `requestStateKey`.
   */
  start(): void {
    const { protocol } = this.options;
    if (protocol === 'legacy-only') return;
    const { sdk, bus } = this;
    if (!sdk || !bus || this.servers.line?.name !== 'v2') {
      if (protocol === 'modern-only') {
        throw new Error(
          "McpSessionModule option protocol: 'modern-only' needs a server factory that returns SDK v2 servers (@modelcontextprotocol/server): the SDK v1 does not serve the 2026-07-28 revision.",
        );
      }
      return;
    }
    assertSharedRequestStateKey(this.options);
    const factory = async (context: { requestInfo?: Request }) => {
      const exchange = context.requestInfo && this.exchanges.get(context.requestInfo);
      const principal = exchange?.principal;
      const server = this.pool?.take(principal) ?? (await this.build(principal));
      if (exchange) exchange.server = server;
      return server;
    };
    const handlerOptions = {
      legacy: 'reject' as const,
      bus,
      responseMode: this.options.jsonResponse ? ('json' as const) : ('auto' as const),
      keepAliveMs: this.options.keepAliveInterval,
      maxRequestBodySize: this.options.maxRequestBodySize,
      onerror: (error: Error) => this.logger.debug(error.message),
    };
    this.calls = sdk.createMcpHandler(factory, handlerOptions);
    this.listens = sdk.createMcpHandler(factory, handlerOptions);
  }

  /** A new server from the application's factory, for a request of `principal`. */
  private async build(principal: string | undefined): Promise<ModernServer> {
    const built = await this.servers.create({
      era: 'modern',
      sessionId: undefined,
      principal,
      state: {},
    });
    // The factory's line was found to be the SDK v2's at bootstrap.
    const server = built.server as ModernServer;
    if (this.telemetry.enabled) this.observeOnConnect(server);
    return server;
  }

  /** Measures the requests of `server` each time the handler connects it to a transport. */
  private observeOnConnect(server: ModernServer): void {
    const connect = server.connect.bind(server);
    server.connect = async (transport) => {
      await connect(transport);
      this.telemetry.observeTransport(transport as unknown as McpTransport);
    };
  }

  /** True when 2026-07-28 requests are served here. */
  get serving(): boolean {
    return this.calls !== undefined;
  }

  /** True when every request goes to this leg (`protocol: 'modern-only'`). */
  get exclusive(): boolean {
    return this.serving && this.options.protocol === 'modern-only';
  }

  /** The requests of this leg, counted. */
  get stats(): ModernRequestCounts {
    return { ...this.counts };
  }

  /**
   * True when the SDK's classification routes `request` (its body read, for a POST) to the
   * 2026-07-28 handler: it carries the per-request `_meta` envelope, or the revision's headers.
   */
  isModern(request: McpRequest): boolean {
    if (!this.sdk || !this.serving) return false;
    if (this.exclusive) return true;
    const route = this.sdk.classifyInboundRequest({
      httpMethod: request.method,
      protocolVersionHeader: header(request, 'mcp-protocol-version'),
      mcpMethodHeader: header(request, 'mcp-method'),
      mcpNameHeader: header(request, 'mcp-name'),
      body: request.body,
    });
    return route.kind !== 'legacy';
  }

  /** Serves a 2026-07-28 request and writes its response. */
  async serve(request: McpRequest): Promise<void> {
    const listen = isListen(request.body);
    const handler = listen ? this.listens : this.calls;
    if (!handler) throw new Error('The 2026-07-28 leg serves a request before it started');
    const { counts } = this;
    counts.inFlight++;
    counts.served++;
    if (listen) counts.subscriptions++;
    request.res.once('close', () => {
      counts.inFlight--;
      if (listen) counts.subscriptions--;
    });
    const exchange: ModernExchange = { principal: request.principal };
    await request.serveWith((webRequest, extra) => {
      this.exchanges.set(webRequest, exchange);
      return handler.fetch(webRequest, {
        parsedBody: extra.parsedBody,
        authInfo: (extra.authInfo ?? principalAuthInfo(exchange.principal)) as never,
      });
    });
    // The response is written: the handler is done with the server.
    if (exchange.server) this.pool?.release(exchange.principal, exchange.server);
  }

  /** Ends every open `subscriptions/listen` stream with its final result; at shutdown. */
  async endSubscriptions(): Promise<void> {
    await this.listens?.close();
  }

  /** Ends the calls still in flight; at shutdown, once the grace period is over. */
  async close(): Promise<void> {
    this.pool?.clear();
    await Promise.all([this.listens?.close(), this.calls?.close()]);
  }
}

/** The principal as the SDK's auth info, for a request that carries none of its own. */
function principalAuthInfo(principal: string | undefined): AuthInfo | undefined {
  if (principal === undefined) return undefined;
  return { token: '', clientId: principal, scopes: [] };
}
