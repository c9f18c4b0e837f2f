import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { IncomingHttpHeaders } from 'node:http';
import { startTestApp, type TestApp, HTTP_ADAPTERS } from './support/app.js';
import { MCP_POST_HEADERS, initializeBody, openRawSession, rawRequest } from './support/http.js';

const TOKENS: Record<string, string> = { 'token-alice': 'alice', 'token-bob': 'bob' };

/**
 * Bearer authentication as an application would write it: sets `req.user` for known tokens (on
 * the request guards see: Node's on Express, the `FastifyRequest` on Fastify).
 */
@Injectable()
class BearerGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context
      .switchToHttp()
      .getRequest<{ headers: IncomingHttpHeaders; user?: unknown }>();
    const header = req.headers.authorization;
    if (header === undefined) return true; // anonymous access is allowed
    const user = TOKENS[header.replace(/^Bearer /, '')];
    if (user === undefined) return false;
    req.user = { id: user };
    return true;
  }
}

function bearer(token?: string): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

describe.each(HTTP_ADAPTERS)('on %s', (adapter) => {
  describe('sessions are bound to the principal that opened them', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({
        adapter,
        providers: [{ provide: APP_GUARD, useClass: BearerGuard }],
      });
    });
    afterAll(() => t.close());

    it('records the principal', async () => {
      const id = await openRawSession(t.url, bearer('token-alice'));
      expect(t.manager.get(id)?.principal).toBe('user:alice');
    });

    const cases: Array<[string, string | undefined, string | undefined]> = [
      ['another user', 'token-alice', 'token-bob'],
      ['anonymous against an authenticated session', 'token-alice', undefined],
      ['authenticated against an anonymous session', undefined, 'token-bob'],
    ];
    describe.each(cases)('%s gets the same 404 as an unknown session', (_name, owner, intruder) => {
      it.each(['POST', 'GET', 'DELETE'])('on %s', async (method) => {
        const id = await openRawSession(t.url, bearer(owner));
        const res = await rawRequest(t.url, {
          method,
          headers: {
            ...MCP_POST_HEADERS,
            ...bearer(intruder),
            'mcp-session-id': id,
            'mcp-protocol-version': '2025-11-25',
          },
          body:
            method === 'POST'
              ? JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' })
              : undefined,
        });
        const unknown = await rawRequest(t.url, {
          method,
          headers: {
            ...MCP_POST_HEADERS,
            ...bearer(intruder),
            'mcp-session-id': 'unknown-session',
            'mcp-protocol-version': '2025-11-25',
          },
          body:
            method === 'POST'
              ? JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' })
              : undefined,
        });
        expect(res.status).toBe(404);
        expect(res.text).toBe(unknown.text);
        expect(t.manager.get(id)).toBeDefined();
        const owned = await rawRequest(t.url, {
          headers: {
            ...MCP_POST_HEADERS,
            ...bearer(owner),
            'mcp-session-id': id,
            'mcp-protocol-version': '2025-11-25',
          },
          body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }),
        });
        expect(owned.status).toBe(200);
      });
    });
  });

  describe('maxSessionsPerPrincipal', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({
        adapter,
        options: { maxSessionsPerPrincipal: 2 },
        providers: [{ provide: APP_GUARD, useClass: BearerGuard }],
      });
    });
    afterAll(() => t.close());

    it('answers 429 to a principal over its quota, and frees the slot when a session ends', async () => {
      const first = await openRawSession(t.url, bearer('token-alice'));
      await openRawSession(t.url, bearer('token-alice'));
      const init = {
        headers: { ...MCP_POST_HEADERS, ...bearer('token-alice') },
        body: initializeBody(),
      };
      const refused = await rawRequest(t.url, init);
      expect(refused.status).toBe(429);
      expect(refused.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32000 } });
      expect(refused.headers['mcp-session-id']).toBeUndefined();

      // Other principals and anonymous callers are not affected.
      await openRawSession(t.url, bearer('token-bob'));
      await openRawSession(t.url);
      await openRawSession(t.url);
      await openRawSession(t.url);

      await rawRequest(t.url, {
        method: 'DELETE',
        headers: {
          ...MCP_POST_HEADERS,
          ...bearer('token-alice'),
          'mcp-session-id': first,
          'mcp-protocol-version': '2025-11-25',
        },
      });
      expect((await rawRequest(t.url, init)).status).toBe(200);
    });
  });
});
