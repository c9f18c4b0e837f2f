import {
  CanActivate,
  Controller,
  ForbiddenException,
  Get,
  Injectable,
  Module,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { McpSessionModule } from '../src/index.js';
import { ADAPTERS_AND_TRANSPORTS, startTestApp, type TestApp, userHeader } from './support/app.js';
import { connectClient } from './support/client.js';
import {
  initializeBody,
  MCP_POST_HEADERS,
  openRawSession,
  rawRequest,
  sessionHeaders,
  sseMessages,
} from './support/http.js';
import { toolCall } from './support/reliability.js';

/** A guard that refuses every request it sees: the endpoint, mounted on the server, is not one. */
@Injectable()
class RefuseAll implements CanActivate {
  canActivate(): boolean {
    throw new ForbiddenException('refused by the guard');
  }
}

/** A route of the application beside the endpoint, still served by the platform. */
@Controller('status')
class StatusController {
  @Get()
  status() {
    return { ok: true };
  }
}

@Module({
  controllers: [StatusController],
  providers: [{ provide: APP_GUARD, useClass: RefuseAll }],
})
class GuardedAppModule {}

describe.each(ADAPTERS_AND_TRANSPORTS)(
  "mount: 'server', on %s, %s transport",
  (adapter, transport) => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp({
        adapter,
        mcpModule: McpSessionModule.forRoot({
          path: '/mcp',
          transport,
          principalResolver: userHeader,
          mount: 'server',
        }),
        imports: [{ module: GuardedAppModule }],
        configure: (app) => app.setGlobalPrefix('api'),
      });
    });
    afterAll(() => t?.close());

    it('serves the endpoint ahead of the router: guards do not run, other routes stay the platform’s', async () => {
      const { client, transport: clientTransport } = await connectClient(t.url, {
        path: '/api/mcp',
      });
      try {
        const result = await client.callTool({ name: 'echo', arguments: { text: 'fast' } });
        expect(result.content).toEqual([{ type: 'text', text: 'fast' }]);
        expect(t.manager.count()).toBe(1);
        await clientTransport.terminateSession();
      } finally {
        await client.close();
      }
      // The platform still serves, and guards, everything else.
      const status = await rawRequest(t.url, { method: 'GET', path: '/api/status' });
      expect(status.status).toBe(403);
      expect(JSON.parse(status.text)).toMatchObject({ message: 'refused by the guard' });
      const elsewhere = await rawRequest(t.url, {
        path: '/mcp',
        headers: MCP_POST_HEADERS,
        body: initializeBody(),
      });
      // Without the global prefix the path is the platform's, which has no route there.
      expect(elsewhere.status).toBe(404);
      expect(t.manager.count()).toBe(0);
    });

    it('binds sessions to the principal principalResolver reads from the Node request', async () => {
      const sessionId = await openRawSession(t.url, { 'x-user': 'alice' }, '/api/mcp?probe=1');
      expect(t.manager.get(sessionId)?.principal).toBe('alice');
      const own = await rawRequest(t.url, {
        path: '/api/mcp',
        headers: sessionHeaders(sessionId, { 'x-user': 'alice' }),
        body: toolCall('echo', { text: 'mine' }),
      });
      expect(sseMessages(own.text).at(-1).result.content[0].text).toBe('mine');
      const other = await rawRequest(t.url, {
        path: '/api/mcp',
        headers: sessionHeaders(sessionId, { 'x-user': 'mallory' }),
        body: toolCall('echo', { text: 'theirs' }),
      });
      expect(other.status).toBe(404);
      expect(JSON.parse(other.text)).toMatchObject({ jsonrpc: '2.0', id: null });
      await rawRequest(t.url, {
        method: 'DELETE',
        path: '/api/mcp',
        headers: sessionHeaders(sessionId, { 'x-user': 'alice' }),
      });
      expect(t.manager.count()).toBe(0);
    });
  },
);

describe("mount: 'server' at registration", () => {
  it('registers no controller', () => {
    expect(McpSessionModule.forRoot({ mount: 'server' }).controllers).toHaveLength(0);
    expect(McpSessionModule.forRoot({}).controllers).toHaveLength(1);
  });
});
