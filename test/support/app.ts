import { type DynamicModule, type INestApplication, Module, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { ScheduleModule } from '@nestjs/schedule';
import type { AddressInfo } from 'node:net';
import {
  MCP_SERVER_FACTORY,
  McpSessionModule,
  type McpServerFactory,
  type McpSessionModuleOptions,
  type PlatformRequest,
  SessionManager,
} from '../../src/index.js';
import { testServerFactory } from './test-server.js';

export interface TestApp {
  app: INestApplication;
  url: string;
  manager: SessionManager;
  close: () => Promise<void>;
}

/** The NestJS HTTP platforms the module supports; end-to-end suites run against each. */
export const HTTP_ADAPTERS = ['express', 'fastify'] as const;
export type HttpAdapterName = (typeof HTTP_ADAPTERS)[number];

/** The transports that serve sessions; the suites that prove the wire run against each. */
export const SESSION_TRANSPORTS = ['sdk', 'native'] as const;

/** Each HTTP platform with each session transport, for `describe.each`. */
export const ADAPTERS_AND_TRANSPORTS = HTTP_ADAPTERS.flatMap((adapter) =>
  SESSION_TRANSPORTS.map((transport) => [adapter, transport] as const),
);

/**
 * The session transport that `MCP_TRANSPORT` names (as the sample reads it), so that a whole run
 * can be made on one transport (`MCP_TRANSPORT=native npm test`); a spec's own choice wins.
 */
function transportFromEnv(): McpSessionModuleOptions {
  const transport = process.env.MCP_TRANSPORT;
  if (transport === undefined || transport === '') return {};
  if (transport !== 'sdk' && transport !== 'native') {
    throw new Error(`MCP_TRANSPORT must be "sdk" or "native", got "${transport}"`);
  }
  return { transport };
}

export interface TestAppOptions {
  /** The HTTP platform. @default 'express' */
  adapter?: HttpAdapterName;
  options?: McpSessionModuleOptions;
  /** A whole module registration instead of `forRoot(options)`. */
  mcpModule?: DynamicModule;
  factory?: McpServerFactory;
  providers?: Provider[];
  imports?: DynamicModule[];
  schedule?: boolean;
  configure?: (app: INestApplication) => void;
}

/**
 * Starts a real Nest application (stock `NestFactory.create`, on Express or on Fastify) on a free
 * loopback port.
 */
export async function startTestApp(setup: TestAppOptions = {}): Promise<TestApp> {
  @Module({
    imports: [
      ...(setup.schedule === false ? [] : [ScheduleModule.forRoot()]),
      setup.mcpModule ?? McpSessionModule.forRoot({ ...transportFromEnv(), ...setup.options }),
      ...(setup.imports ?? []),
    ],
    providers: [
      { provide: MCP_SERVER_FACTORY, useValue: setup.factory ?? testServerFactory },
      ...(setup.providers ?? []),
    ],
  })
  class TestAppModule {}

  const settings = { logger: ['error', 'warn'] as const, abortOnError: false };
  const app =
    setup.adapter === 'fastify'
      ? await NestFactory.create(TestAppModule, new FastifyAdapter(), {
          ...settings,
          logger: [...settings.logger],
        })
      : await NestFactory.create(TestAppModule, { ...settings, logger: [...settings.logger] });
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

/** A principal resolver: the principal named by the `X-User` header, on Express or Fastify. */
export function userHeader(req: PlatformRequest): string | undefined {
  const user = ('raw' in req ? req.raw : req).headers['x-user'];
  return typeof user === 'string' ? user : undefined;
}
