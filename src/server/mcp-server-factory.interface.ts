import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

/** What a server factory may return: a high-level `McpServer` or a low-level `Server`. */
export type McpServerInstance = McpServer | Server;

/** What the factory learns about the session it builds a server for. */
export interface McpServerContext {
  /** The new session's id; `undefined` in stateless mode. */
  sessionId: string | undefined;
  /** The principal that opens the session, when the request is authenticated. */
  principal: string | undefined;
  /**
   * Per-session application state that survives hibernation: the same object is passed each time
   * the session's server is rebuilt, until the session ends. Keep what the server must remember
   * across hibernation here (for example resource subscriptions), JSON-serializable. State kept
   * only inside the server instance is lost when the session hibernates. In stateless mode it is
   * a fresh object per request.
   */
  state: Record<string, unknown>;
}

/**
 * Builds a fresh, unconnected MCP server. It is called once per session (and once per request in
 * stateless mode), because an SDK server can serve only one transport.
 *
 * Provide it under {@link MCP_SERVER_FACTORY} in any module of the application, with `useFactory`
 * and `inject` so that its tools can use Nest services.
 *
 * @publicApi
 * @example
 * ```ts
 * {
 *   provide: MCP_SERVER_FACTORY,
 *   inject: [GreetingService],
 *   useFactory: (greetings: GreetingService): McpServerFactory => () => {
 *     const server = new McpServer({ name: 'demo', version: '1.0.0' });
 *     server.registerTool('greet', { inputSchema: { name: z.string() } }, ({ name }) => ({
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
