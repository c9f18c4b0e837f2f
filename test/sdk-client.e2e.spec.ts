import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  LoggingMessageNotificationSchema,
  type LoggingMessageNotification,
} from '@modelcontextprotocol/sdk/types.js';
import { waitFor } from './support/wait.js';
import { startTestApp, type TestApp, ADAPTERS_AND_TRANSPORTS } from './support/app.js';
import { connectClient, textOf } from './support/client.js';

interface Connected {
  client: Client;
  transport: StreamableHTTPClientTransport;
}

function connect(t: TestApp): Promise<Connected> {
  return connectClient(t.url, {
    capabilities: { capabilities: { sampling: {}, elicitation: {} } },
  });
}

describe.each(ADAPTERS_AND_TRANSPORTS)('on %s, %s transport', (adapter, transport) => {
  describe.each([
    ['SSE responses', false],
    ['JSON responses', true],
  ])('the SDK client against the module (%s)', (_mode, jsonResponse) => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ adapter, options: { jsonResponse, retryInterval: 50, transport } });
    });
    afterAll(() => t.close());

    it('initializes, calls a tool, and terminates the session with DELETE', async () => {
      const { client, transport } = await connect(t);
      const sessionId = transport.sessionId!;
      expect(t.manager.get(sessionId)?.clientInfo?.name).toBe('e2e-client');
      const result = await client.callTool({ name: 'echo', arguments: { text: 'hello' } });
      expect(textOf(result)).toBe('hello');
      await transport.terminateSession();
      expect(t.manager.get(sessionId)).toBeUndefined();
      await client.close();
    });

    it('returns the result of a progress-reporting call', async () => {
      const { client, transport } = await connect(t);
      const progress: number[] = [];
      const result = await client.callTool({ name: 'sleep', arguments: { ms: 200 } }, undefined, {
        onprogress: (p) => progress.push(p.progress),
      });
      expect(textOf(result)).toBe('slept 200 ms');
      // A JSON response has no stream to carry progress notifications before the result.
      if (jsonResponse) expect(progress).toEqual([]);
      else expect(progress.at(-1)).toBe(200);
      await transport.terminateSession();
      await client.close();
    });
  });

  // In JSON-response mode the SDK transport has no stream for server-to-client requests tied to a
  // call, so these flows are SSE-only.
  describe('the SDK client: progress and server-to-client requests (SSE)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ adapter, options: { transport } });
    });
    afterAll(() => t.close());

    it('reports progress of a tool call', async () => {
      const { client, transport } = await connect(t);
      const progress: number[] = [];
      const result = await client.callTool({ name: 'sleep', arguments: { ms: 200 } }, undefined, {
        onprogress: (p) => progress.push(p.progress),
      });
      expect(textOf(result)).toBe('slept 200 ms');
      expect(progress.length).toBeGreaterThanOrEqual(3);
      expect(progress.at(-1)).toBe(200);
      await transport.terminateSession();
      await client.close();
    });

    it('completes a sampling and an elicitation round trip', async () => {
      const { client, transport } = await connect(t);
      client.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
        model: 'test-model',
        role: 'assistant',
        content: {
          type: 'text',
          text: `echo of ${(request.params.messages[0].content as { text: string }).text}`,
        },
      }));
      client.setRequestHandler(ElicitRequestSchema, async () => ({
        action: 'accept',
        content: { answer: 'forty-two' },
      }));
      const sampled = await client.callTool({ name: 'sample', arguments: { prompt: 'ping' } });
      expect(textOf(sampled)).toBe('model said: echo of ping');
      const elicited = await client.callTool({ name: 'ask', arguments: { question: 'answer?' } });
      expect(textOf(elicited)).toBe('accept: forty-two');
      await transport.terminateSession();
      await client.close();
    });
  });

  describe('the SDK client: standalone stream and resumption', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ adapter, options: { retryInterval: 50, transport } });
    });
    afterAll(() => t.close());

    it('receives a notification on the standalone GET stream', async () => {
      const { client, transport } = await connect(t);
      const received = new Promise<LoggingMessageNotification>((resolve) =>
        client.setNotificationHandler(LoggingMessageNotificationSchema, resolve),
      );
      // The client opens the GET stream after initialization; wait until the server sees it.
      await waitFor(() => t.manager.get(transport.sessionId!)?.openStreams === 1);
      await client.callTool({ name: 'notify', arguments: { text: 'hello from the server' } });
      expect((await received).params.data).toBe('hello from the server');
      await transport.terminateSession();
      await client.close();
    });

    it('resumes a dropped response stream with Last-Event-ID and gets the result', async () => {
      const { client, transport } = await connect(t);
      const logs: unknown[] = [];
      client.setNotificationHandler(
        LoggingMessageNotificationSchema,
        (n) => void logs.push(n.params.data),
      );
      const result = await client.callTool({ name: 'drop-stream', arguments: { text: 'resumed' } });
      expect(textOf(result)).toBe('after drop: resumed');
      expect(logs).toContain('before drop');
      await transport.terminateSession();
      await client.close();
    });
  });

  describe('the SDK client: server-to-client requests in JSON-response mode', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ adapter, options: { jsonResponse: true, transport } });
    });
    afterAll(() => t.close());

    it('fail at once with a message that says why, instead of waiting for a timeout', async () => {
      const { client, transport } = await connect(t);
      client.setRequestHandler(CreateMessageRequestSchema, async () => {
        throw new Error('the request must never reach the client');
      });
      const started = Date.now();
      const result = await client.callTool({ name: 'sample', arguments: { prompt: 'ping' } });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/JSON-response mode/);
      expect(Date.now() - started).toBeLessThan(20_000);
      await transport.terminateSession();
      await client.close();
    });
  });
});
