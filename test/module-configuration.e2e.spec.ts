import {
  type CanActivate,
  Controller,
  type ExecutionContext,
  Injectable,
  Module,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ScheduleModule } from '@nestjs/schedule';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import {
  MCP_SERVER_FACTORY,
  McpSessionModule,
  McpSessionOptionsError,
  type PlatformRequest,
  type PlatformResponse,
  SessionManager,
  type McpServerFactory,
} from '../src/index.js';
import { HTTP_ADAPTERS, startTestApp } from './support/app.js';
import { expectJsonRpcError, toolCall } from './support/reliability.js';
import { testServerFactory } from './support/test-server.js';
import {
  MCP_POST_HEADERS,
  initializeBody,
  openRawSession,
  rawRequest,
  sseMessages,
} from './support/http.js';

@Injectable()
class Greeter {
  greet(name: string): string {
    return `Hello, ${name}!`;
  }
}

describe('forRootAsync from ConfigService, with the server factory injected through DI', () => {
  it('serves the path from configuration with tools that use a Nest service', async () => {
    const app = await startTestApp({
      mcpModule: McpSessionModule.forRootAsync({
        imports: [
          ConfigModule.forRoot({
            ignoreEnvFile: true,
            load: [() => ({ MCP_PATH: '/custom/mcp' })],
          }),
        ],
        inject: [ConfigService],
        useFactory: (config: ConfigService) => ({ path: config.get<string>('MCP_PATH') }),
      }),
      providers: [
        Greeter,
        {
          provide: MCP_SERVER_FACTORY,
          inject: [Greeter],
          useFactory:
            (greeter: Greeter): McpServerFactory =>
            () => {
              const server = new McpServer({ name: 'di', version: '1.0.0' });
              server.registerTool('greet', { inputSchema: { name: z.string() } }, ({ name }) => ({
                content: [{ type: 'text', text: greeter.greet(name) }],
              }));
              return server;
            },
        },
      ],
    });
    try {
      const client = new Client({ name: 'c', version: '1' });
      const transport = new StreamableHTTPClientTransport(new URL('/custom/mcp', app.url));
      await client.connect(transport);
      const result = await client.callTool({ name: 'greet', arguments: { name: 'Nest' } });
      expect((result.content as Array<{ text: string }>)[0].text).toBe('Hello, Nest!');
      await transport.terminateSession();
      await client.close();
      const atDefaultPath = await rawRequest(app.url, {
        headers: MCP_POST_HEADERS,
        body: initializeBody(),
      });
      expect(atDefaultPath.status).toBe(404);
      expect(app.manager.count()).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('uses forRootAsync with useClass', async () => {
    @Injectable()
    class OptionsFactory {
      create() {
        return { path: '/from-class' };
      }
    }
    const t = await startTestApp({
      mcpModule: McpSessionModule.forRootAsync({ useClass: OptionsFactory }),
    });
    try {
      await openRawSession(t.url, {}, '/from-class');
      expect(t.manager.count()).toBe(1);
    } finally {
      await t.close();
    }
  });
});

describe.each(HTTP_ADAPTERS)('on %s', (adapter) => {
  describe('the global prefix', () => {
    it('applies in front of the path, and the 4 MiB body limit follows it', async () => {
      const t = await startTestApp({ adapter, configure: (app) => app.setGlobalPrefix('api') });
      try {
        const id = await openRawSession(t.url, {}, '/api/mcp');
        // Over the platforms' own parser limits: Express's 100 kB and Fastify's 1 MiB.
        const text = 'b'.repeat(3 * 1024 * 1024);
        const res = await rawRequest(t.url, {
          path: '/api/mcp',
          headers: {
            ...MCP_POST_HEADERS,
            'mcp-session-id': id,
            'mcp-protocol-version': '2025-11-25',
          },
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 3,
            method: 'tools/call',
            params: { name: 'size', arguments: { text } },
          }),
        });
        expect(res.status).toBe(200);
        expect(sseMessages(res.text)[0].result.content[0].text).toBe(String(text.length));
      } finally {
        await t.close();
      }
    });
  });

  describe('global guards run on the built-in controller', () => {
    @Injectable()
    class DenyGuard implements CanActivate {
      canActivate(context: ExecutionContext): boolean {
        return context.switchToHttp().getRequest<IncomingMessage>().headers['x-deny'] === undefined;
      }
    }

    it('a global guard can refuse a request before the session manager sees it', async () => {
      const t = await startTestApp({
        adapter,
        providers: [{ provide: APP_GUARD, useClass: DenyGuard }],
      });
      try {
        const denied = await rawRequest(t.url, {
          headers: { ...MCP_POST_HEADERS, 'x-deny': '1' },
          body: initializeBody(),
        });
        expect(denied.status).toBe(403);
        expect(t.manager.count()).toBe(0);
        await openRawSession(t.url);
        expect(t.manager.count()).toBe(1);
      } finally {
        await t.close();
      }
    });
  });

  describe('the built-in controller turned off', () => {
    @Controller('tools')
    class OwnController {
      constructor(private readonly sessions: SessionManager) {}

      @Post('mcp')
      async post(@Req() req: PlatformRequest, @Res() res: PlatformResponse): Promise<void> {
        await this.sessions.handleRequest(req, res);
      }
    }

    @Module({ controllers: [OwnController], imports: [] })
    class OwnModule {}

    it('lets the application mount handleRequest in its own controller', async () => {
      expect(McpSessionModule.forRoot({}).controllers).toHaveLength(1);
      const mcpModule = McpSessionModule.forRootAsync({
        useFactory: () => ({}),
        controller: false,
      });
      expect(mcpModule.controllers).toHaveLength(0);
      const t = await startTestApp({
        adapter,
        mcpModule: McpSessionModule.forRootAsync({
          useFactory: () => ({ path: '/tools/mcp' }),
          controller: false,
          isGlobal: true,
        }),
        imports: [{ module: OwnModule }],
      });
      try {
        const id = await openRawSession(t.url, {}, '/tools/mcp');
        expect(t.manager.get(id)).toBeDefined();
        const builtIn = await rawRequest(t.url, {
          headers: MCP_POST_HEADERS,
          body: initializeBody(),
        });
        expect(builtIn.status).toBe(404);
      } finally {
        await t.close();
      }
    });

    it('with a global prefix, reads bodies on its own route over the platform limit, and refuses ours', async () => {
      const t = await startTestApp({
        adapter,
        mcpModule: McpSessionModule.forRoot({
          path: '/tools/mcp',
          controller: false,
          isGlobal: true,
        }),
        imports: [{ module: OwnModule }],
        configure: (app) => app.setGlobalPrefix('api'),
      });
      try {
        const id = await openRawSession(t.url, {}, '/api/tools/mcp');
        const text = 'c'.repeat(3 * 1024 * 1024);
        const accepted = await rawRequest(t.url, {
          path: '/api/tools/mcp',
          headers: {
            ...MCP_POST_HEADERS,
            'mcp-session-id': id,
            'mcp-protocol-version': '2025-11-25',
          },
          body: toolCall('size', { text }),
        });
        expect(accepted.status).toBe(200);
        expect(sseMessages(accepted.text)[0].result.content[0].text).toBe(String(text.length));
        const refused = await rawRequest(t.url, {
          path: '/api/tools/mcp',
          headers: MCP_POST_HEADERS,
          body: JSON.stringify({
            ...JSON.parse(initializeBody()),
            padding: 'd'.repeat(5 * 1024 * 1024),
          }),
        });
        expectJsonRpcError(refused, 413, -32000);
        expect(t.manager.count()).toBe(1);
      } finally {
        await t.close();
      }
    });

    /** The warnings an application logs while it starts, with the module mounted by OwnModule. */
    async function bootstrapWarnings(path: string, globalPrefix?: string): Promise<string[]> {
      const warnings: string[] = [];
      const logger = {
        log: () => undefined,
        error: () => undefined,
        warn: (message: unknown) => void warnings.push(String(message)),
      };
      @Module({
        imports: [
          ScheduleModule.forRoot(),
          McpSessionModule.forRoot({ path, controller: false, isGlobal: true }),
          OwnModule,
        ],
        providers: [{ provide: MCP_SERVER_FACTORY, useValue: testServerFactory }],
      })
      class OwnRouteApp {}
      const settings = { logger, abortOnError: false };
      const app =
        adapter === 'fastify'
          ? await NestFactory.create(OwnRouteApp, new FastifyAdapter(), settings)
          : await NestFactory.create(OwnRouteApp, settings);
      if (globalPrefix) app.setGlobalPrefix(globalPrefix);
      await app.init();
      await app.close();
      return warnings;
    }

    it.each([
      ['without a global prefix', '/tools/mcp', undefined],
      ['under a global prefix', '/tools/mcp', 'api'],
    ])('is quiet at bootstrap when a route serves the path, %s', async (_name, path, prefix) => {
      expect(await bootstrapWarnings(path, prefix)).toEqual([]);
    });

    it('warns at bootstrap when the path repeats the global prefix, naming the path to set', async () => {
      const warnings = await bootstrapWarnings('/api/tools/mcp', 'api');

      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/includes the global prefix "\/api"/);
      expect(warnings[0]).toContain("Set path: '/tools/mcp'");
    });

    it('warns at bootstrap when no route serves the path', async () => {
      const warnings = await bootstrapWarnings('/nowhere');

      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/no POST route serves \/nowhere/);
      expect(warnings[0]).toMatch(/without the global prefix/);
    });
  });
});

describe('bootstrap errors that say what to do, from NestFactory.create', () => {
  /** The error of `NestFactory.create`, where Nest reports provider and option errors. */
  async function createError(moduleClass: new () => unknown): Promise<Error> {
    try {
      const app = await NestFactory.create(moduleClass, { logger: false, abortOnError: false });
      await app.close();
    } catch (error) {
      return error as Error;
    }
    throw new Error('NestFactory.create succeeded');
  }

  it('no server factory provided', async () => {
    @Module({ imports: [ScheduleModule.forRoot(), McpSessionModule.forRoot({})] })
    class NoFactory {}
    expect((await createError(NoFactory)).message).toMatch(/found no MCP server factory/);
  });

  it('a factory provider that is not a function', async () => {
    @Module({
      imports: [ScheduleModule.forRoot(), McpSessionModule.forRoot({})],
      providers: [
        { provide: MCP_SERVER_FACTORY, useValue: new McpServer({ name: 'x', version: '1' }) },
      ],
    })
    class ServerInsteadOfFactory {}
    expect((await createError(ServerInsteadOfFactory)).message).toMatch(
      /must be a function that returns a new McpServer.*got an instance of McpServer/,
    );
  });

  it('a useFactory provider that resolves to something other than a function', async () => {
    @Module({
      imports: [ScheduleModule.forRoot(), McpSessionModule.forRoot({})],
      providers: [
        {
          provide: MCP_SERVER_FACTORY,
          inject: [Greeter],
          // Builds the server instead of returning a function that builds one.
          useFactory: async (greeter: Greeter) => {
            await new Promise((resolve) => setTimeout(resolve, 20));
            return new McpServer({ name: greeter.greet('x'), version: '1' });
          },
        },
        Greeter,
      ],
    })
    class FactoryCalledTooEarly {}
    expect((await createError(FactoryCalledTooEarly)).message).toMatch(
      /must be a function.*got an instance of McpServer/,
    );
  });

  it("leaves the application's own provider errors to Nest", async () => {
    @Module({
      imports: [ScheduleModule.forRoot(), McpSessionModule.forRoot({})],
      providers: [
        {
          provide: MCP_SERVER_FACTORY,
          useFactory: () => {
            throw new Error('the database is down');
          },
        },
      ],
    })
    class FailingFactoryProvider {}
    expect((await createError(FailingFactoryProvider)).message).toBe('the database is down');
  });

  it('an invalid option', async () => {
    @Module({
      imports: [ScheduleModule.forRoot(), McpSessionModule.forRoot({ maxSessions: -1 })],
      providers: [
        { provide: MCP_SERVER_FACTORY, useValue: () => new McpServer({ name: 'x', version: '1' }) },
      ],
    })
    class BadOption {}
    const error = await createError(BadOption);
    expect(error).toBeInstanceOf(McpSessionOptionsError);
    expect(error.message).toMatch(/"maxSessions"/);
  });

  it('accepts a factory provider that injects SessionManager itself', async () => {
    @Module({
      imports: [ScheduleModule.forRoot(), McpSessionModule.forRoot({ isGlobal: true })],
      providers: [
        {
          provide: MCP_SERVER_FACTORY,
          inject: [SessionManager],
          useFactory:
            (sessions: SessionManager): McpServerFactory =>
            () => {
              const server = new McpServer({ name: 'x', version: '1' });
              server.registerTool('count', {}, () => ({
                content: [{ type: 'text', text: String(sessions.count()) }],
              }));
              return server;
            },
        },
      ],
    })
    class FactoryUsingSessions {}
    const app = await NestFactory.create(FactoryUsingSessions, {
      logger: false,
      abortOnError: false,
    });
    await app.init();
    expect(app.get(SessionManager).count()).toBe(0);
    await app.close();
  });
});

describe('a factory that misbehaves at run time', () => {
  it('answers 500 and leaves nothing behind when the factory reuses a connected server', async () => {
    const shared = new McpServer({ name: 'shared', version: '1' });
    const t = await startTestApp({ factory: () => shared });
    try {
      await openRawSession(t.url);
      const second = await rawRequest(t.url, { headers: MCP_POST_HEADERS, body: initializeBody() });
      expect(second.status).toBe(500);
      expect(second.json().error.code).toBe(-32603);
      expect(second.headers['mcp-session-id']).toBeUndefined();
      expect(t.manager.count()).toBe(1);
    } finally {
      await t.close();
    }
  });

  it.each([
    [
      'throws',
      () => {
        throw new Error('boom');
      },
      /failed when McpSessionModule called it at bootstrap.*: boom/,
    ],
    [
      'returns something else',
      () => ({ connect: 'no' }) as unknown as McpServer,
      /returned an instance of Object, not an McpServer or Server/,
    ],
  ])('fails the bootstrap when the factory %s, saying why', async (_name, factory, message) => {
    @Module({
      imports: [ScheduleModule.forRoot(), McpSessionModule.forRoot({})],
      providers: [{ provide: MCP_SERVER_FACTORY, useValue: factory }],
    })
    class MisbehavingFactory {}
    const app = await NestFactory.create(MisbehavingFactory, {
      logger: false,
      abortOnError: false,
    });
    try {
      await expect(app.init()).rejects.toThrow(message);
    } finally {
      await app.close();
    }
  });
});
