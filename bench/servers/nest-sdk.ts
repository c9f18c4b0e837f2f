/**
 * A diagnostic contender, not in the default run (`--servers=ours,nest-sdk,baseline`): the
 * baseline's code (a Map of SDK transports) inside a plain NestJS controller, without
 * McpSessionModule. ours − nest-sdk is the module's own cost; nest-sdk − baseline is NestJS's.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { All, Controller, Module, Req, Res } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Request, Response } from 'express';
import { InMemoryEventStore } from '@modelcontextprotocol/sdk/examples/shared/inMemoryEventStore.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { benchMode } from './bench-mode.js';
import { createEchoServer } from './echo-server.js';
import { announceReady } from './ipc.js';

const mode = benchMode();
const transports = new Map<string, StreamableHTTPServerTransport>();

function jsonRpcError(res: Response, status: number, message: string): void {
  res.status(status).json({ jsonrpc: '2.0', error: { code: -32000, message }, id: null });
}

@Controller('mcp')
class McpController {
  @All()
  async handle(@Req() req: Request, @Res() res: Response): Promise<void> {
    if (mode === 'stateless') {
      const server = createEchoServer();
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      return transport.handleRequest(req, res, req.body);
    }
    const sessionId = req.headers['mcp-session-id'];
    let transport = typeof sessionId === 'string' ? transports.get(sessionId) : undefined;
    if (!transport) {
      if (sessionId !== undefined) return jsonRpcError(res, 404, 'Session not found');
      if (req.method !== 'POST' || !isInitializeRequest(req.body)) {
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
  }
}

@Module({ controllers: [McpController] })
class NestSdkModule {}

const app = await NestFactory.create(NestSdkModule);
await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
const address = app.getHttpServer().address();
announceReady(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/mcp`);
