/**
 * (b) The baseline a user would otherwise write, as the SDK's examples do
 * (simpleStreamableHttp, jsonResponseStreamableHttp, simpleStatelessStreamableHttp): Express via
 * the SDK's createMcpExpressApp, one StreamableHTTPServerTransport per session in a Map, and in
 * SSE mode the SDK examples' InMemoryEventStore for resumability.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Request, Response } from 'express';
import { InMemoryEventStore } from '@modelcontextprotocol/sdk/examples/shared/inMemoryEventStore.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { benchMode } from './bench-mode.js';
import { createEchoServer } from './echo-server.js';
import { announceReady } from './ipc.js';

const mode = benchMode();
const app = createMcpExpressApp();
const transports = new Map<string, StreamableHTTPServerTransport>();

function jsonRpcError(res: Response, status: number, message: string): void {
  res.status(status).json({ jsonrpc: '2.0', error: { code: -32000, message }, id: null });
}

if (mode === 'stateless') {
  app.post('/mcp', async (req: Request, res: Response) => {
    const server = createEchoServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
} else {
  app.post('/mcp', async (req: Request, res: Response) => {
    const sessionId = req.headers['mcp-session-id'];
    let transport = typeof sessionId === 'string' ? transports.get(sessionId) : undefined;
    if (!transport) {
      if (sessionId !== undefined) return jsonRpcError(res, 404, 'Session not found');
      if (!isInitializeRequest(req.body)) {
        return jsonRpcError(res, 400, 'Bad Request: No valid session ID provided');
      }
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: mode === 'json',
        eventStore: mode === 'sse' ? new InMemoryEventStore() : undefined,
        onsessioninitialized: (id) => {
          transports.set(id, created);
        },
      });
      created.onclose = () => {
        if (created.sessionId) transports.delete(created.sessionId);
      };
      await createEchoServer().connect(created);
      transport = created;
    }
    await transport.handleRequest(req, res, req.body);
  });

  const sessionRequest = async (req: Request, res: Response) => {
    const sessionId = req.headers['mcp-session-id'];
    const transport = typeof sessionId === 'string' ? transports.get(sessionId) : undefined;
    if (!transport)
      return jsonRpcError(res, sessionId ? 404 : 400, 'Invalid or missing session ID');
    await transport.handleRequest(req, res);
  };
  app.get('/mcp', sessionRequest);
  app.delete('/mcp', sessionRequest);
}

const listener = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  announceReady(`http://127.0.0.1:${(listener.address() as AddressInfo).port}/mcp`);
});
