import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import {
  McpServer as McpServerV2,
  WebStandardStreamableHTTPServerTransport as WebStandardStreamableHTTPServerTransportV2,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import { jsonResponseTransport, streamTables } from './json-response.transport.js';

/** The module's JSON-response transport on the SDK v1 line. */
const JsonResponseTransport = jsonResponseTransport(
  WebStandardStreamableHTTPServerTransport as never,
) as unknown as typeof WebStandardStreamableHTTPServerTransport;

/**
 * The release of answered JSON streams (see docs/SDK-DEFECTS.md, "JSON responses are never
 * released"), on the real SDK servers and transports, with requests handed to the transport as
 * the endpoint hands them.
 */

const PROTOCOL_VERSION = '2025-11-25';
const REQUESTS = 200;

type AnyTransport = WebStandardStreamableHTTPServerTransport;

function post(transport: AnyTransport, body: unknown, sessionId?: string): Promise<Response> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': PROTOCOL_VERSION,
  };
  if (sessionId) headers['mcp-session-id'] = sessionId;
  return transport.handleRequest(
    new Request('http://127.0.0.1/mcp', { method: 'POST', headers, body: JSON.stringify(body) }),
  );
}

/** Initializes a session on `transport`; returns its id. */
async function openSession(transport: AnyTransport): Promise<string> {
  const init = await post(transport, {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: {
      protocolVersion: PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: 'spec', version: '1.0.0' },
    },
  });
  expect(init.status).toBe(200);
  const sessionId = init.headers.get('mcp-session-id');
  expect(sessionId).toEqual(expect.any(String));
  await post(transport, { jsonrpc: '2.0', method: 'notifications/initialized' }, sessionId!);
  return sessionId!;
}

/** Opens a session on `transport`, then sends `REQUESTS` calls and a batch of three. */
async function runSession(transport: AnyTransport): Promise<void> {
  const sessionId = await openSession(transport);
  for (let id = 1; id <= REQUESTS; id++) {
    const call = { jsonrpc: '2.0', id, method: 'tools/call' };
    const response = await post(
      transport,
      { ...call, params: { name: 'echo', arguments: { text: `call ${id}` } } },
      sessionId,
    );
    const body = (await response.json()) as { id: number; result: { content: [{ text: string }] } };
    expect(body.id).toBe(id);
    expect(body.result.content[0].text).toBe(`call ${id}`);
  }
  const batch = await post(
    transport,
    [1, 2, 3].map((n) => ({ jsonrpc: '2.0', id: `b${n}`, method: 'ping' })),
    sessionId,
  );
  expect(((await batch.json()) as unknown[]).length).toBe(3);
}

async function serveV1(transport: AnyTransport): Promise<void> {
  const server = new McpServer({ name: 'spec', version: '1.0.0' });
  server.registerTool('echo', { inputSchema: { text: z.string() } }, (args) => ({
    content: [{ type: 'text', text: args.text }],
  }));
  await server.connect(transport);
}

const sessionIdGenerator = () => crypto.randomUUID();

describe('JsonResponseTransport', () => {
  it('holds no stream entry once each JSON response is sent, batches included', async () => {
    const transport = new JsonResponseTransport({ sessionIdGenerator, enableJsonResponse: true });
    await serveV1(transport);
    const tables = streamTables(transport);
    // If these fail, the SDK's internals moved: the release no longer reaches them. Revisit
    // JsonResponseTransport and docs/SDK-DEFECTS.md.
    expect(tables._streamMapping).toBeInstanceOf(Map);
    expect(tables._requestToStreamMapping).toBeInstanceOf(Map);

    await runSession(transport);

    expect(tables._streamMapping.size).toBe(0);
    expect(tables._requestToStreamMapping.size).toBe(0);
    await transport.close();
  });

  it('releases no entry of a batch until its last response is ready', async () => {
    const transport = new JsonResponseTransport({ sessionIdGenerator, enableJsonResponse: true });
    const server = new McpServer({ name: 'spec', version: '1.0.0' });
    let finishSlow: () => void = () => undefined;
    server.registerTool('slow', {}, async () => {
      await new Promise<void>((resolve) => (finishSlow = resolve));
      return { content: [{ type: 'text', text: 'slow done' }] };
    });
    await server.connect(transport);
    const sessionId = await openSession(transport);
    const tables = streamTables(transport);

    const pending = post(
      transport,
      [
        { jsonrpc: '2.0', id: 'fast', method: 'ping' },
        {
          jsonrpc: '2.0',
          id: 'slow',
          method: 'tools/call',
          params: { name: 'slow', arguments: {} },
        },
      ],
      sessionId,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The ping is answered, the call is not: the batch's entry must still be there.
    expect(tables._streamMapping.size).toBe(1);
    finishSlow();
    const answers = (await (await pending).json()) as Array<{ id: string }>;
    expect(answers.map((answer) => answer.id).sort()).toEqual(['fast', 'slow']);
    expect(tables._streamMapping.size).toBe(0);
    await transport.close();
  });

  it('still refuses a server-to-client request during a call', async () => {
    const transport = new JsonResponseTransport({ sessionIdGenerator, enableJsonResponse: true });
    await expect(
      transport.send(
        { jsonrpc: '2.0', id: 7, method: 'sampling/createMessage', params: {} },
        { relatedRequestId: 1 },
      ),
    ).rejects.toThrow(/JSON-response mode/);
  });
});

describe('the SDK transports JsonResponseTransport corrects', () => {
  it('SDK v1 still keeps one stream entry per answered JSON POST (when this fails, the SDK is fixed: remove the release)', async () => {
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator,
      enableJsonResponse: true,
    });
    await serveV1(transport);

    await runSession(transport);

    // initialize + the calls + the batch: one entry each, never released.
    expect(streamTables(transport)._streamMapping.size).toBe(REQUESTS + 2);
    await transport.close();
  });

  it('SDK v2 releases its entries itself, so it needs no release of ours', async () => {
    const transport = new WebStandardStreamableHTTPServerTransportV2({
      sessionIdGenerator,
      enableJsonResponse: true,
    });
    const server = new McpServerV2({ name: 'spec', version: '1.0.0' });
    server.registerTool('echo', { inputSchema: z.object({ text: z.string() }) }, (args) => ({
      content: [{ type: 'text', text: args.text }],
    }));
    await server.connect(transport);

    await runSession(transport as unknown as AnyTransport);

    expect(streamTables(transport as unknown as AnyTransport)._streamMapping.size).toBe(0);
    await transport.close();
  });
});
