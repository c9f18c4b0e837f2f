import 'reflect-metadata';
import { Module, type INestApplication } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { type AbstractHttpAdapter, NestFactory } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { mcpSessionOptionsFromConfig } from '../../sample/mcp-session.config.js';
import { MCP_SERVER_FACTORY, McpSessionModule, type McpServerFactory } from '../../src/index.js';
import { createEchoServer } from './echo-server.js';
import { createEchoServerV2 } from './echo-server-v2.js';

/**
 * Ours: the sample application's module setup (options read from the environment by the sample's
 * own `mcpSessionOptionsFromConfig`, the reaper on @nestjs/schedule), serving the echo server: on
 * the SDK v1 for 2025-era sessions, as every earlier run measured them (with the sample's lazy
 * validator when BENCH_LAZY_VALIDATOR=true), and on the SDK v2 for 2026-07-28 requests. With
 * BENCH_MOUNT=server, the endpoint is mounted on the HTTP server ahead of the router.
 */
@Module({
  imports: [
    ConfigModule.forRoot(),
    ScheduleModule.forRoot(),
    McpSessionModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: mcpSessionOptionsFromConfig,
      mount: process.env.BENCH_MOUNT === 'server' ? 'server' : 'router',
    }),
  ],
  providers: [
    {
      provide: MCP_SERVER_FACTORY,
      useFactory: (): McpServerFactory => (context) =>
        context.era === 'modern'
          ? createEchoServerV2()
          : createEchoServer({ lazyValidator: process.env.BENCH_LAZY_VALIDATOR === 'true' }),
    },
  ],
})
export class BenchAppModule {}

/**
 * Starts the application as the sample's main.ts does, on PORT (0: any free port) and HOST, on
 * Express or on the given adapter.
 */
export async function startOurs(
  adapter?: AbstractHttpAdapter,
): Promise<{ app: INestApplication; url: string }> {
  const app = adapter
    ? await NestFactory.create(BenchAppModule, adapter)
    : await NestFactory.create(BenchAppModule);
  const host = process.env.HOST ?? '127.0.0.1';
  await app.listen(Number(process.env.PORT ?? 0), host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://${host}:${port}/mcp`;
  console.log(`MCP endpoint ready at ${url}`);
  return { app, url };
}
