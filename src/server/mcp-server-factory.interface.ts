/**
 * What a server factory may return: a high-level `McpServer` or a low-level `Server`, of the SDK
 * v2 (`@modelcontextprotocol/server`) or of the SDK v1 (`@modelcontextprotocol/sdk`). Typed by
 * shape, so that the module's types need neither line installed; the module checks at run time
 * that it is a new server of an installed line.
 */
export interface McpServerInstance {
  connect(transport: never): Promise<void>;
  close(): Promise<void>;
}

/**
 * The protocol era a server is built for: `legacy` for a 2025-era session (or a stateless
 * 2025-era request), `modern` for one 2026-07-28 request. One factory serves both: define the
 * tools once, and vary by era only what differs.
 */
export type McpServerEra = 'legacy' | 'modern';

/**
 * Seals and verifies the `requestState` of `input_required` results with the key every replica
 * shares (the `requestStateKey` option): the SDK v2's `RequestStateCodec`. Give its `verify` to
 * the server (`new McpServer(info, { requestState: { verify: codec.verify } })`) and `mint` the
 * state a handler returns with `inputRequired(...)`.
 */
export interface McpRequestStateCodec {
  mint(payload: unknown, ctx?: unknown): Promise<string>;
  verify(state: string, ctx?: unknown): Promise<unknown>;
}

/** What the factory learns about the server it builds. */
export interface McpServerContext {
  /** The era the server serves (see {@link McpServerEra}). */
  era: McpServerEra;
  /** The new session's id; `undefined` for a 2026-07-28 request and in stateless mode. */
  sessionId: string | undefined;
  /** The principal that opens the session or sends the request, when it is authenticated. */
  principal: string | undefined;
  /**
   * Per-session application state that survives hibernation: the same object is passed each time
   * the session's server is rebuilt, until the session ends. Keep what the server must remember
   * across hibernation here (for example resource subscriptions), JSON-serializable. State kept
   * only inside the server instance is lost when the session hibernates. For a 2026-07-28 request
   * and in stateless mode it is a fresh object per request.
   */
  state: Record<string, unknown>;
  /**
   * The codec of `input_required` request state, shared by every replica; `undefined` when the
   * SDK v2 is not installed.
   */
  requestState: McpRequestStateCodec | undefined;
}

/**
 * Builds a fresh, unconnected MCP server. It is called once per session, once per 2026-07-28
 * request (and once per request in stateless mode), because an SDK server serves one transport;
 * and once at bootstrap, to learn which SDK line it builds on (that server is never connected):
 * with `era: 'modern'` when 2026-07-28 requests may be served. A factory may return servers of
 * different lines by era (SDK v1 servers for its sessions, SDK v2 ones for 2026-07-28 requests);
 * 2026-07-28 requests are served when it returns SDK v2 servers for that era.
 *
 * Provide it under {@link MCP_SERVER_FACTORY} in any module of the application, with `useFactory`
 * and `inject` so that its tools can use Nest services.
 *
 * @publicApi
 * @example
 * ```ts
 * import { McpServer } from '@modelcontextprotocol/server';
 *
 * {
 *   provide: MCP_SERVER_FACTORY,
 *   inject: [GreetingService],
 *   useFactory: (greetings: GreetingService): McpServerFactory => () => {
 *     const server = new McpServer({ name: 'demo', version: '1.0.0' });
 *     server.registerTool('greet', { inputSchema: z.object({ name: z.string() }) }, ({ name }) => ({
 *       content: [{ type: 'text', text: greetings.greet(name) }],
 *     }));
 *     return server;
 *   },
 * }
 * ```
 */
export type McpServerFactory = (
  context: McpServerContext,
) => McpServerInstance | Promise<McpServerInstance>;
