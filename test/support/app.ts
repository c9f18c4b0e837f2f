import { type DynamicModule, type INestApplication, Module, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import type { AddressInfo } from 'node:net';
import {
  MCP_SERVER_FACTORY,
  McpSessionModule,
  type McpServerFactory,
  type McpSessionModuleOptions,
  SessionManager,
} from '../../src/index.js';
import { testServerFactory } from './test-server.js';

export interface TestApp {
  app: INestApplication;
  url: string;
  manager: SessionManager;
  close: () => Promise<void>;
}

export interface TestAppOptions {
  options?: McpSessionModuleOptions;
  /** A whole module registration instead of `forRoot(options)`. */
  mcpModule?: DynamicModule;
  factory?: McpServerFactory;
  providers?: Provider[];
  imports?: DynamicModule[];
  schedule?: boolean;
  configure?: (app: INestApplication) => void;
}

/** Starts a real Nest application (stock `NestFactory.create`) on a free loopback port. */
export async function startTestApp(setup: TestAppOptions = {}): Promise<TestApp> {
  @Module({
    imports: [
      ...(setup.schedule === false ? [] : [ScheduleModule.forRoot()]),
      setup.mcpModule ?? McpSessionModule.forRoot(setup.options ?? {}),
      ...(setup.imports ?? []),
    ],
    providers: [
      { provide: MCP_SERVER_FACTORY, useValue: setup.factory ?? testServerFactory },
      ...(setup.providers ?? []),
    ],
  })
  class TestAppModule {}

  const app = await NestFactory.create(TestAppModule, {
    logger: ['error', 'warn'],
    abortOnError: false,
  });
  setup.configure?.(app);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    manager: app.get(SessionManager),
    close: () => app.close(),
  };
}

/** Timers and servers alive in the process, to assert that a closed app left none behind. */
export function liveHandles(): { timers: number; servers: number } {
  const resources = process.getActiveResourcesInfo();
  return {
    timers: resources.filter((name) => name === 'Timeout').length,
    servers: resources.filter((name) => name === 'TCPServerWrap').length,
  };
}
