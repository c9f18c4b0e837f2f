import { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

/**
 * The echo server on the SDK v2 (`@modelcontextprotocol/server`): the same `echo` tool as
 * echo-server.ts, for the servers that speak the 2026-07-28 revision. A new server per call.
 */
export function createEchoServerV2(): McpServer {
  const server = new McpServer({ name: 'bench', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'Returns the given text', inputSchema: z.object({ text: z.string() }) },
    ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  return server;
}
