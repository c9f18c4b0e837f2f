import { McpServer as McpServerV1 } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpServer as McpServerV2 } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { InMemoryEventStore } from '../../event-store/in-memory-event-store.js';
import { scopeEventStore } from '../../event-store/session-event-store.interface.js';
import type { McpTransport } from '../mcp-transport.interface.js';
import { loadSdkLines, type SdkLine, type SdkLineName } from '../sdk-lines.js';
import { SdkTransportFactory } from '../sdk-transport.factory.js';

/**
 * The native transport answers every exchange as the SDK's transport of the same line does: the
 * same script of requests (refusals, a session's life, batches, streams, resumption, DELETE) is
 * sent to both, through the web-standard face they share, and their answers must be equal, up to
 * the event ids each one's own event store hands out.
 */

const SESSION_ID = 'session-1';
const CURRENT = '2025-11-25';

interface Step {
  name: string;
  method?: string;
  headers?: Record<string, string>;
  /** A JSON value, sent as its text; a string is sent as it is. */
  body?: unknown;
  /** A stream that stays open: read what arrives within a moment, then let go. */
  open?: boolean;
  /** Sends `Last-Event-ID`: the first event id seen in the answer of the named step. */
  resumeAfter?: string;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const POST_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};
const SESSION = { ...POST_HEADERS, 'mcp-session-id': SESSION_ID, 'mcp-protocol-version': CURRENT };
const STREAM = { accept: 'text/event-stream', 'mcp-session-id': SESSION_ID };

const initialize = (id: number, protocolVersion = CURRENT) => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: { protocolVersion, capabilities: {}, clientInfo: { name: 'spec', version: '1.0.0' } },
});
const call = (id: number | string, text: string) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'echo', arguments: { text } },
});
const ping = (id: number | string) => ({ jsonrpc: '2.0', id, method: 'ping' });

const SCRIPT: Step[] = [
  { name: 'GET before initialize', method: 'GET', headers: STREAM },
  { name: 'a call before initialize', headers: SESSION, body: ping(1) },
  {
    name: 'a wrong Accept',
    headers: { ...POST_HEADERS, accept: 'application/json' },
    body: ping(1),
  },
  {
    name: 'a wrong Content-Type',
    headers: { ...POST_HEADERS, 'content-type': 'text/plain' },
    body: ping(1),
  },
  { name: 'malformed JSON', headers: POST_HEADERS, body: '{"jsonrpc":' },
  {
    name: 'a batch of 101',
    headers: POST_HEADERS,
    body: Array.from({ length: 101 }, (_, i) => ping(i)),
  },
  { name: 'not JSON-RPC', headers: POST_HEADERS, body: { hello: 'world' } },
  { name: 'two initialize requests', headers: POST_HEADERS, body: [initialize(1), initialize(2)] },
  { name: 'initialize', headers: POST_HEADERS, body: initialize(1) },
  { name: 'a second initialize', headers: SESSION, body: initialize(2) },
  {
    name: 'notifications/initialized',
    headers: SESSION,
    body: { jsonrpc: '2.0', method: 'notifications/initialized' },
  },
  { name: 'a call', headers: SESSION, body: call(3, 'hello') },
  {
    name: 'a call at 2025-06-18',
    headers: { ...SESSION, 'mcp-protocol-version': '2025-06-18' },
    body: call(4, 'old'),
  },
  { name: 'a call without its session id', headers: POST_HEADERS, body: call(5, 'x') },
  {
    name: 'a call with another session id',
    headers: { ...SESSION, 'mcp-session-id': 'another' },
    body: call(6, 'x'),
  },
  {
    name: 'an unsupported protocol version',
    headers: { ...SESSION, 'mcp-protocol-version': '1999-01-01' },
    body: call(7, 'x'),
  },
  { name: 'a batch of calls', headers: SESSION, body: [call('b1', 'one'), ping('b2')] },
  {
    name: 'a batch of notifications',
    headers: SESSION,
    body: [{ jsonrpc: '2.0', method: 'notifications/roots/list_changed' }],
  },
  {
    name: 'a client response nobody asked for',
    headers: SESSION,
    body: { jsonrpc: '2.0', id: 99, result: {} },
  },
  {
    name: 'a call with _meta',
    headers: SESSION,
    body: { ...ping(8), params: { _meta: { progressToken: 8 } } },
  },
  {
    name: 'GET without text/event-stream',
    method: 'GET',
    headers: { ...STREAM, accept: 'application/json' },
  },
  {
    name: 'GET with a garbage Last-Event-ID',
    method: 'GET',
    headers: { ...STREAM, 'last-event-id': 'garbage' },
  },
  {
    name: 'GET resuming a call',
    method: 'GET',
    headers: STREAM,
    resumeAfter: 'a call',
    open: true,
  },
  { name: 'the standalone GET stream', method: 'GET', headers: STREAM, open: true },
  { name: 'a second standalone GET stream', method: 'GET', headers: STREAM },
  { name: 'PUT', method: 'PUT', headers: SESSION },
  {
    name: 'DELETE with another session id',
    method: 'DELETE',
    headers: { ...STREAM, 'mcp-session-id': 'x' },
  },
  { name: 'DELETE', method: 'DELETE', headers: STREAM },
  { name: 'a call after DELETE', headers: SESSION, body: call(9, 'late') },
];

/** Event ids differ between two stores; what matters is where they are. */
function normalize(text: string): string {
  return text.replace(/^id: .*$/gm, 'id: <event id>');
}

/** Reads what an open stream sends within a moment, and leaves it open (`reader`). */
async function readOpenStream(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + 150;
  while (Date.now() < deadline) {
    const chunk = await Promise.race([
      reader.read(),
      new Promise<undefined>((resolve) =>
        setTimeout(() => resolve(undefined), deadline - Date.now()),
      ),
    ]);
    if (!chunk || chunk.done) break;
    text += decoder.decode(chunk.value);
  }
  return text;
}

function serverOf(line: SdkLineName) {
  const server =
    line === 'v1'
      ? new McpServerV1({ name: 'spec', version: '1.0.0' })
      : new McpServerV2({ name: 'spec', version: '1.0.0' });
  (server as McpServerV1).registerTool(
    'echo',
    { inputSchema: { text: z.string() } },
    (args: { text: string }) => ({ content: [{ type: 'text', text: args.text }] }),
  );
  return server as McpServerV1;
}

/** Runs the script on a new session transport of `kind`; the answers, step by step. */
async function runScript(
  line: SdkLine,
  kind: 'sdk' | 'native',
  jsonResponse: boolean,
): Promise<Array<[string, Answer]>> {
  const factory = new SdkTransportFactory({
    transport: kind,
    jsonResponse,
    keepAliveInterval: 15_000,
    retryInterval: 1000,
    maxRequestBodySize: 4 * 1024 * 1024,
  });
  const store = new InMemoryEventStore();
  const transport: McpTransport = factory.forSession(line, {
    sessionId: SESSION_ID,
    eventStore: scopeEventStore(store, SESSION_ID),
    onInitialized: () => undefined,
    onDeleted: async () => undefined,
  });
  await serverOf(line.name).connect(transport as never);
  const answers: Array<[string, Answer]> = [];
  const firstEventIds = new Map<string, string>();
  const openStreams: Array<ReadableStreamDefaultReader<Uint8Array>> = [];
  for (const step of SCRIPT) {
    const headers = { ...step.headers };
    if (step.resumeAfter) {
      const eventId = firstEventIds.get(step.resumeAfter);
      // No event id in JSON mode: there is nothing to resume.
      if (eventId === undefined) continue;
      headers['last-event-id'] = eventId;
    }
    const method = step.method ?? 'POST';
    const body =
      step.body === undefined || typeof step.body === 'string'
        ? (step.body as string | undefined)
        : JSON.stringify(step.body);
    const response = await transport.handleRequest(
      new Request('http://127.0.0.1/mcp', { method, headers, body }),
    );
    let text: string;
    if (step.open) {
      const reader = response.body!.getReader();
      openStreams.push(reader);
      text = await readOpenStream(reader);
    } else {
      text = await response.text();
    }
    const eventId = /^id: (.*)$/m.exec(text)?.[1];
    if (eventId !== undefined) firstEventIds.set(step.name, eventId);
    answers.push([
      step.name,
      {
        status: response.status,
        headers: Object.fromEntries(response.headers.entries()),
        body: normalize(text),
      },
    ]);
  }
  for (const reader of openStreams) await reader.cancel();
  await transport.close();
  await store.close();
  return answers;
}

const linesLoaded = loadSdkLines();

describe.each<[SdkLineName, string, boolean]>([
  ['v1', 'SSE', false],
  ['v1', 'JSON', true],
  ['v2', 'SSE', false],
  ['v2', 'JSON', true],
])('the native transport against the SDK %s transport (%s responses)', (name, _mode, json) => {
  it('answers every step of a session as the SDK transport does', async () => {
    const line = (await linesLoaded)[name]!;
    const expected = await runScript(line, 'sdk', json);
    const actual = await runScript(line, 'native', json);
    for (let i = 0; i < expected.length; i++) {
      expect([actual[i]?.[0], actual[i]?.[1]]).toEqual([expected[i][0], expected[i][1]]);
    }
    expect(actual).toHaveLength(expected.length);
  });
});
