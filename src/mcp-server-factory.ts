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
