/**
 * (d) @rekog/mcp-nest, the most used NestJS MCP library, in its stateful mode (its stateless
 * mode for BENCH_MODE=stateless), serving the same echo tool. It is built on the MCP SDK v2
 * packages (@modelcontextprotocol/server), not on @modelcontextprotocol/sdk 1.x.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Payload } from '@nestjs/microservices';
import { McpController, McpStrategy, StreamableHttpTransport, Tool } from '@rekog/mcp-nest';
import { z } from 'zod';
import { benchMode } from './bench-mode.js';
import { announceReady } from './ipc.js';

@McpController()
class EchoController {
  @Tool({
    name: 'echo',
    description: 'Returns the given text',
    parameters: z.object({ text: z.string() }),
  })
  echo(@Payload() { text }: { text: string }) {
    return { content: [{ type: 'text', text }] };
  }
}

@Module({ controllers: [EchoController] })
class RekogBenchModule {}

const mode = benchMode();
const mcp = new McpStrategy({
  name: 'bench',
  version: '1.0.0',
  transports: [
    new StreamableHttpTransport({
      statefulMode: mode !== 'stateless',
      enableJsonResponse: mode === 'json',
    }),
  ],
});

const app = await NestFactory.create(RekogBenchModule);
mcp.setHttpAdapter(app.getHttpAdapter());
app.connectMicroservice({ strategy: mcp });
await app.startAllMicroservices();
await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
const address = app.getHttpServer().address();
announceReady(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/mcp`);
