import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { toNodeHandler } from '@modelcontextprotocol/node';
import {
  WebStandardStreamableHTTPServerTransport,
  createMcpHandler,
  createRequestStateCodec,
  isLegacyRequest,
  type McpHttpHandler,
} from '@modelcontextprotocol/server';
import { GreetingService } from '../sample/greeting.service.js';
import { buildEverythingServer } from '../sample/mcp/everything-server.js';

/**
 * The sample's SDK v2 everything server on its own, served both ways the module serves it: each
 * 2026-07-28 request by the SDK v2's `createMcpHandler`, and a 2025-era client over a session
 * (one sessionful transport, whose per-session state the test keeps to look into).
 */
interface DualEraServer {
  url: string;
  /** The per-session state of the one 2025-era session, once it exists. */
  sessionState: Record<string, unknown>;
  close(): Promise<void>;
}

async function startDualEraServer(): Promise<DualEraServer> {
  const greetings = new GreetingService();
  const requestState = createRequestStateCodec({ key: randomBytes(32) });
  const modern: McpHttpHandler = createMcpHandler(
    ({ era }) =>
      buildEverythingServer({ greetings }, { era, state: {}, requestState, notify: modern.notify }),
    { legacy: 'reject' },
  );
  const sessionState: Record<string, unknown> = {};
  const legacy = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: randomUUID });
  const session = buildEverythingServer(
    { greetings },
    { era: 'legacy', state: sessionState, requestState },
  );
  await session.connect(legacy);
  const handler = toNodeHandler({
    fetch: async (request) =>
      (await isLegacyRequest(request)) ? legacy.handleRequest(request) : modern.fetch(request),
  });
  const http: HttpServer = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    sessionState,
    close: async () => {
      await modern.close();
      await session.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

/** The text of a tool result's first content block. */
function textOf(result: { content?: unknown }): string | undefined {
  const [first] = (result.content ?? []) as Array<{ type: string; text?: string }>;
  return first?.type === 'text' ? first.text : undefined;
}

/** A client that answers every form with `answers` (both eras) and records log messages. */
function clientAnswering(
  answers: Array<Record<string, string>>,
  era: 'legacy' | 'modern',
): { client: Client; logs: string[] } {
  const client = new Client(
    { name: 'e2e-client', version: '1.0.0' },
    {
      capabilities: { elicitation: {}, sampling: {} },
      versionNegotiation: era === 'modern' ? { mode: { pin: '2026-07-28' } } : undefined,
    },
  );
  const logs: string[] = [];
  client.setRequestHandler('elicitation/create', () => ({
    action: 'accept',
    content: answers.shift() ?? {},
  }));
  client.setNotificationHandler('notifications/message', ({ params }) => {
    logs.push(String(params.data));
  });
  return { client, logs };
}

describe('the SDK v2 everything server', () => {
  let server: DualEraServer;
  beforeAll(async () => {
    server = await startDualEraServer();
  });
  afterAll(() => server.close());

  describe('at the 2026-07-28 revision (no session)', () => {
    it('serves the demo tools, greet through the injected service', async () => {
      const { client } = clientAnswering([], 'modern');
      await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(
        expect.arrayContaining(['echo', 'sleep', 'greet', 'test_trigger_tool_change']),
      );
      const result = await client.callTool({ name: 'greet', arguments: { name: 'Ada' } });
      expect(textOf(result)).toBe('Hello, Ada!');
      await client.close();
    });

    it('asks for input over several rounds, keeping what it learnt in sealed requestState', async () => {
      const { client } = clientAnswering([{ name: 'Ada' }, { color: 'teal' }], 'modern');
      await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
      const result = await client.callTool({
        name: 'test_input_required_result_multi_round',
        arguments: {},
      });
      expect(textOf(result)).toBe("Ada's favourite colour is teal");
      await client.close();
    });
  });

  describe('to a 2025-era client (a session)', () => {
    it('runs an elicitation as a request to the client, and keeps the log level in the session state', async () => {
      const { client, logs } = clientAnswering([{ username: 'ada', email: 'a@b.c' }], 'legacy');
      await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
      const elicited = await client.callTool({
        name: 'test_elicitation',
        arguments: { message: 'Who are you?' },
      });
      expect(textOf(elicited)).toBe(
        'User response: action=accept, content={"username":"ada","email":"a@b.c"}',
      );

      await client.callTool({ name: 'test_tool_with_logging', arguments: {} });
      expect(logs).toHaveLength(3);
      await client.setLoggingLevel('error');
      expect(server.sessionState.logLevel).toBe('error');
      await client.callTool({ name: 'test_tool_with_logging', arguments: {} });
      expect(logs).toHaveLength(3);
      await client.close();
    });
  });
});
