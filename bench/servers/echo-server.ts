import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { lazyJsonSchemaValidator } from '../../src/index.js';

/**
 * The MCP server every contender exposes: one `echo` tool, declared as the sample's `echo` is.
 * A new server per call, because an SDK server serves one transport. With `lazyValidator` (the
 * sample's setup, used by the hibernation scenario only) its Ajv validator is built on first use.
 */
export function createEchoServer({ lazyValidator = false } = {}): McpServer {
  const server = new McpServer(
    { name: 'bench', version: '1.0.0' },
    lazyValidator ? { jsonSchemaValidator: lazyJsonSchemaValidator() } : undefined,
  );
  server.registerTool(
    'echo',
    { description: 'Returns the given text', inputSchema: { text: z.string() } },
    ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  return server;
}

/** The modes a server under test is started in (env BENCH_MODE). */
export type BenchMode = 'json' | 'sse' | 'stateless';

export function benchMode(): BenchMode {
  const mode = process.env.BENCH_MODE ?? 'sse';
  if (mode !== 'json' && mode !== 'sse' && mode !== 'stateless') {
    throw new Error(`BENCH_MODE must be json, sse or stateless, got "${mode}"`);
  }
  return mode;
}
