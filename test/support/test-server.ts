import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  CreateMessageResultSchema,
  ElicitResultSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import type { McpServerFactory } from '../../src/index.js';

/**
 * Counts the servers the factory built, so tests can assert one server per session, and the
 * servers told by `notifications/initialized` that their client is ready.
 */
export const serverStats = { created: 0, initialized: 0 };

/**
 * A small MCP server for the end-to-end specs: echo, sleep with progress, a notification on the
 * standalone stream, a tool that drops its own SSE stream, sampling and elicitation round trips.
 */
export const testServerFactory: McpServerFactory = ({ state }) => {
  serverStats.created++;
  const server = new McpServer(
    { name: 'test-server', version: '1.0.0' },
    { capabilities: { logging: {}, resources: { subscribe: true } } },
  );
  server.server.oninitialized = () => void serverStats.initialized++;
  // Subscriptions live in the session state, so they survive hibernation.
  const subscriptions = (): string[] => ((state.subscriptions as string[] | undefined) ??= []);
  server.registerResource('watched', 'test://watched', { mimeType: 'text/plain' }, (uri) => ({
    contents: [{ uri: uri.href, text: 'watched' }],
  }));
  server.server.setRequestHandler(SubscribeRequestSchema, ({ params }) => {
    if (!subscriptions().includes(params.uri)) subscriptions().push(params.uri);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, ({ params }) => {
    state.subscriptions = subscriptions().filter((uri) => uri !== params.uri);
    return {};
  });
  server.registerTool('touch', { inputSchema: { uri: z.string() } }, async ({ uri }, extra) => {
    const notified = subscriptions().includes(uri);
    if (notified) {
      await extra.sendNotification({ method: 'notifications/resources/updated', params: { uri } });
    }
    return { content: [{ type: 'text', text: notified ? 'notified' : 'not subscribed' }] };
  });
  server.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  server.registerTool('size', { inputSchema: { text: z.string() } }, ({ text }) => ({
    content: [{ type: 'text', text: String(text.length) }],
  }));
  server.registerTool(
    'sleep',
    { inputSchema: { ms: z.number().int().min(0) } },
    async ({ ms }, extra) => {
      const token = extra._meta?.progressToken;
      const step = 50;
      for (let elapsed = 0; elapsed < ms; elapsed += step) {
        await delay(Math.min(step, ms - elapsed), undefined, { signal: extra.signal });
        if (token !== undefined) {
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken: token, progress: Math.min(elapsed + step, ms), total: ms },
          });
        }
      }
      return { content: [{ type: 'text', text: `slept ${ms} ms` }] };
    },
  );
  server.registerTool('notify', { inputSchema: { text: z.string() } }, async ({ text }) => {
    // Sent without a related request, so it travels on the standalone GET stream.
    await server.server.notification({
      method: 'notifications/message',
      params: { level: 'info', data: text },
    });
    return { content: [{ type: 'text', text: 'sent' }] };
  });
  server.registerTool(
    'drop-stream',
    { inputSchema: { text: z.string() } },
    async ({ text }, extra) => {
      await extra.sendNotification({
        method: 'notifications/message',
        params: { level: 'info', data: 'before drop' },
      });
      extra.closeSSEStream?.();
      await delay(100);
      return { content: [{ type: 'text', text: `after drop: ${text}` }] };
    },
  );
  server.registerTool(
    'sample',
    { inputSchema: { prompt: z.string() } },
    async ({ prompt }, extra) => {
      const result = await extra.sendRequest(
        {
          method: 'sampling/createMessage',
          params: {
            messages: [{ role: 'user', content: { type: 'text', text: prompt } }],
            maxTokens: 10,
          },
        },
        CreateMessageResultSchema,
      );
      const content = result.content as { type: string; text?: string };
      return { content: [{ type: 'text', text: `model said: ${content.text}` }] };
    },
  );
  server.registerTool(
    'ask',
    { inputSchema: { question: z.string() } },
    async ({ question }, extra) => {
      const result = await extra.sendRequest(
        {
          method: 'elicitation/create',
          params: {
            message: question,
            requestedSchema: { type: 'object', properties: { answer: { type: 'string' } } },
          },
        },
        ElicitResultSchema,
      );
      return {
        content: [{ type: 'text', text: `${result.action}: ${String(result.content?.answer)}` }],
      };
    },
  );
  return server;
};
