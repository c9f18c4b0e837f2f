import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { z } from 'zod';
// The module itself, not the package index: servers that do not use Nest do not load it.
import { lazyJsonSchemaValidator } from '../../src/server/lazy-json-schema-validator.js';

/**
 * The MCP server every contender exposes: one `echo` tool, declared as the sample's `echo` is.
 * A new server per call, because an SDK server serves one transport. With `lazyValidator` (the
 * sample's setup, used by the hibernation scenario only) its Ajv validator is built on first use.
 */
export function createEchoServer({ lazyValidator = false } = {}): McpServer {
  const server = new McpServer(
    { name: 'bench', version: '1.0.0' },
    lazyValidator
      ? { jsonSchemaValidator: lazyJsonSchemaValidator(() => new AjvJsonSchemaValidator()) }
      : undefined,
  );
  server.registerTool(
    'echo',
    { description: 'Returns the given text', inputSchema: { text: z.string() } },
    ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  return server;
}
