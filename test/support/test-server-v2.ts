import { acceptedContent, inputRequired, McpServer } from '@modelcontextprotocol/server';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import type { McpServerContext, McpServerFactory } from '../../src/index.js';

/** The contexts the factory was called with, newest last. */
export const v2ServerContexts: McpServerContext[] = [];

/**
 * A small SDK v2 server for the dual-era specs, one factory for both eras: `echo`, `whoami`
 * (which tells the era, session and principal its server was built for), `sleep`, and `confirm`
 * (a multi-round-trip call: it asks the client to confirm, with request state sealed by the
 * module's codec), plus a list-changed capability so that `subscriptions/listen` streams can be
 * opened.
 */
export const v2TestServerFactory: McpServerFactory = (context) => {
  v2ServerContexts.push(context);
  const codec = context.requestState;
  const server = new McpServer(
    { name: 'test-server-v2', version: '1.0.0' },
    {
      capabilities: { tools: { listChanged: true } },
      ...(codec && { requestState: { verify: codec.verify } }),
    },
  );
  server.registerTool('confirm', {}, async (ctx) => {
    const state = ctx.mcpReq.requestState<{ asked: string }>();
    const answer = acceptedContent(ctx.mcpReq.inputResponses, 'ok');
    if (state && answer) {
      return {
        content: [{ type: 'text' as const, text: `confirmed ${state.asked}: ${answer.ok}` }],
      };
    }
    return inputRequired({
      inputRequests: {
        ok: inputRequired.elicit({
          message: 'Go ahead?',
          requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } },
        }),
      },
      requestState: await codec!.mint({ asked: 'go' }),
    });
  });
  server.registerTool('echo', { inputSchema: z.object({ text: z.string() }) }, ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  server.registerTool('whoami', {}, () => ({
    content: [
      {
        type: 'text',
        text: JSON.stringify({
          era: context.era,
          sessionId: context.sessionId ?? null,
          principal: context.principal ?? null,
        }),
      },
    ],
  }));
  server.registerTool('sleep', { inputSchema: z.object({ ms: z.number() }) }, async ({ ms }) => {
    await delay(ms);
    return { content: [{ type: 'text', text: `slept ${ms} ms` }] };
  });
  return server;
};
