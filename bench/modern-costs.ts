/**
 * CPU time of each piece a 2026-07-28 request pays outside the tool itself, in one process with
 * no HTTP: what the module took off the path, and what is still the SDK's. Each piece runs in a
 * tight loop after a warm-up; figures are µs per call, the median of `--rounds` rounds.
 *
 *   node build/bench/bench/modern-costs.js [--count=20000] [--rounds=5]
 */
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { toWebRequest } from '@modelcontextprotocol/node';
import {
  classifyInboundRequest,
  McpServer,
  SdkError,
  SdkErrorCode,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import { countOption } from './lib/units-of-work.js';
import { median } from './lib/stats.js';

const count = countOption('count', 20_000);
const rounds = countOption('rounds', 5);

const BODY = {
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: {
    name: 'echo',
    arguments: { text: 'hello' },
    _meta: {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': {},
      'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
    },
  },
};
const TEXT = JSON.stringify(BODY);
const HEADERS: Record<string, string> = {
  host: '127.0.0.1:3000',
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2026-07-28',
  'mcp-method': 'tools/call',
  'mcp-name': 'echo',
  'content-length': String(Buffer.byteLength(TEXT)),
};

/** A Node request as the HTTP server hands it over, its body still to be read. */
function nodeRequest(): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.method = 'POST';
  req.url = '/mcp';
  req.headers = { ...HEADERS };
  req.rawHeaders = Object.entries(HEADERS).flat();
  req.push(TEXT);
  req.push(null);
  return req;
}

const ECHO_SCHEMA = z.object({ text: z.string() });

/** The pieces, each one call's worth of work. */
const PIECES: Record<string, () => unknown> = {
  // What the SDK's Node entry does before the handler: a web-standard request with the body.
  'toWebRequest (@modelcontextprotocol/node), the body read from it': async () =>
    (await toWebRequest(nodeRequest())).text(),
  // What the module does instead: the body is parsed once, the request carries none.
  'the module: JSON.parse and a bodiless Request with its abort signal': () => {
    JSON.parse(TEXT);
    const aborter = new AbortController();
    return new Request('http://127.0.0.1:3000/mcp', {
      method: 'POST',
      headers: new Headers(HEADERS),
      signal: aborter.signal,
    });
  },
  // Without parsedBody, the handler clones the request and reads the clone.
  'classification with the clone and read of the body (createMcpHandler without parsedBody)':
    async () => {
      const request = new Request('http://127.0.0.1:3000/mcp', {
        method: 'POST',
        headers: HEADERS,
        body: TEXT,
      });
      const body = JSON.parse(await request.clone().text());
      return classifyInboundRequest({
        httpMethod: 'POST',
        protocolVersionHeader: HEADERS['mcp-protocol-version'],
        mcpMethodHeader: HEADERS['mcp-method'],
        mcpNameHeader: HEADERS['mcp-name'],
        body,
      });
    },
  'classifyInboundRequest on the parsed body (run twice per request: the module, the handler)':
    () =>
      classifyInboundRequest({
        httpMethod: 'POST',
        protocolVersionHeader: HEADERS['mcp-protocol-version'],
        mcpMethodHeader: HEADERS['mcp-method'],
        mcpNameHeader: HEADERS['mcp-name'],
        body: BODY,
      }),
  // Protocol._onclose makes this error on every close, with or without a pending request.
  'the SdkError of every close (Protocol._onclose)': () =>
    new SdkError(SdkErrorCode.ConnectionClosed, 'Connection closed'),
  'a new McpServer with the echo tool, its schema made once': () => {
    const server = new McpServer({ name: 'bench', version: '1.0.0' });
    server.registerTool('echo', { inputSchema: ECHO_SCHEMA }, ({ text }) => ({
      content: [{ type: 'text', text }],
    }));
    return server;
  },
  'a new McpServer with the echo tool, its schema made in the factory': () => {
    const server = new McpServer({ name: 'bench', version: '1.0.0' });
    server.registerTool('echo', { inputSchema: z.object({ text: z.string() }) }, ({ text }) => ({
      content: [{ type: 'text', text }],
    }));
    return server;
  },
  // What reuseModernServers saves beside the construction: the schema's JSON form and validation.
  'the JSON Schema of a new z.object (toolInputSchemaJson on a new server)': () =>
    z.toJSONSchema(z.object({ text: z.string() })),
  'the first parse by a new z.object (its validator is compiled)': () =>
    z.object({ text: z.string() }).parse({ text: 'hello' }),
  'a parse by a z.object made once': () => ECHO_SCHEMA.parse({ text: 'hello' }),
};

async function microseconds(piece: () => unknown): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await piece();
  return Number(process.hrtime.bigint() - started) / 1000 / count;
}

for (const piece of Object.values(PIECES)) await microseconds(piece);
console.log(`µs per call, median of ${rounds} rounds of ${count} (Node.js ${process.version})`);
for (const [name, piece] of Object.entries(PIECES)) {
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) samples.push(await microseconds(piece));
  console.log(`${median(samples).toFixed(1).padStart(8)}  ${name}`);
}
