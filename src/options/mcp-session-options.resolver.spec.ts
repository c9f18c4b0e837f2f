import type { IncomingMessage } from 'node:http';
import { InMemoryEventStore } from '../event-store/in-memory-event-store.js';
import type { SessionEventStore } from '../event-store/session-event-store.interface.js';
import type { McpSessionModuleOptions } from './mcp-session-options.interface.js';
import {
  McpSessionOptionsError,
  resolveMcpSessionOptions,
} from './mcp-session-options.resolver.js';
import { resolveDefaultPrincipal } from '../http/principal.js';

/** Options that deliberately break the declared types, as plain JavaScript callers may. */
function untyped(options: Record<string, unknown>): McpSessionModuleOptions {
  return options as McpSessionModuleOptions;
}

/** Resolves `options` and returns the error thrown, failing when none is. */
function errorFor(options: McpSessionModuleOptions): McpSessionOptionsError {
  try {
    resolveMcpSessionOptions(options);
  } catch (error) {
    expect(error).toBeInstanceOf(McpSessionOptionsError);
    return error as McpSessionOptionsError;
  }
  throw new Error(`expected ${JSON.stringify(options)} to be rejected`);
}

function fakeStore(): SessionEventStore {
  return {
    storeEvent: async () => 'id',
    getStreamIdForEventId: async () => undefined,
    replayEventsAfter: async () => 'stream',
    purgeSession: async () => undefined,
  };
}

describe('resolveMcpSessionOptions', () => {
  describe('defaults', () => {
    it('applies every default when no options are given', () => {
      const resolved = resolveMcpSessionOptions();

      expect(resolved).toMatchObject({
        path: '/mcp',
        sessionStore: 'memory',
        eventStore: 'memory',
        redis: { url: 'redis://127.0.0.1:6379', keyPrefix: 'mcp:' },
        jsonResponse: false,
        stateless: false,
        protocol: 'dual',
        requestStateKey: undefined,
        retryInterval: undefined,
        sessionIdleTimeoutMs: 1_800_000,
        reapIntervalMs: 10_000,
        maxSessions: 10_000,
        maxRequestBodySize: 4 * 1024 * 1024,
        keepAliveInterval: 15_000,
        shutdownGracePeriodMs: 10_000,
      });
      expect(resolved.principalResolver).toBe(resolveDefaultPrincipal);
    });

    it('treats an empty options object like no options', () => {
      const { sessionIdGenerator: g1, ...restA } = resolveMcpSessionOptions({});
      const { sessionIdGenerator: g2, ...restB } = resolveMcpSessionOptions();

      expect(restA).toEqual(restB);
      expect(g1).toBe(g2);
    });

    it('turns DNS-rebinding protection on for loopback hosts and origins', () => {
      const { security } = resolveMcpSessionOptions();

      expect(security).toEqual({
        dnsRebindingProtection: true,
        allowedHosts: ['localhost:*', '127.0.0.1:*', '[::1]:*'],
        allowedOrigins: [
          'http://localhost:*',
          'https://localhost:*',
          'http://127.0.0.1:*',
          'https://127.0.0.1:*',
          'http://[::1]:*',
          'https://[::1]:*',
        ],
      });
    });

    it('keeps the default of each security field that is not set', () => {
      const { security } = resolveMcpSessionOptions({
        security: { allowedHosts: ['mcp.example.com'] },
      });

      expect(security.dnsRebindingProtection).toBe(true);
      expect(security.allowedHosts).toEqual(['mcp.example.com']);
      expect(security.allowedOrigins).toContain('http://localhost:*');
    });

    it('can turn DNS-rebinding protection off', () => {
      const { security } = resolveMcpSessionOptions({
        security: { dnsRebindingProtection: false },
      });

      expect(security.dnsRebindingProtection).toBe(false);
    });

    it('generates random UUID session ids by default', () => {
      const { sessionIdGenerator } = resolveMcpSessionOptions();
      const first = sessionIdGenerator();

      expect(first).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(sessionIdGenerator()).not.toBe(first);
    });

    it('keeps the functions it is given', () => {
      const sessionIdGenerator = () => 'fixed';
      const principalResolver = (_req: IncomingMessage) => 'someone';

      const resolved = resolveMcpSessionOptions({ sessionIdGenerator, principalResolver });

      expect(resolved.sessionIdGenerator).toBe(sessionIdGenerator);
      expect(resolved.principalResolver).toBe(principalResolver);
    });

    it('converts seconds to milliseconds', () => {
      const resolved = resolveMcpSessionOptions({
        sessionIdleTimeout: 60,
        reapInterval: 2.5,
        shutdownGracePeriod: 0,
      });

      expect(resolved.sessionIdleTimeoutMs).toBe(60_000);
      expect(resolved.reapIntervalMs).toBe(2_500);
      expect(resolved.shutdownGracePeriodMs).toBe(0);
    });

    it('passes the other options through', () => {
      const resolved = resolveMcpSessionOptions({
        jsonResponse: true,
        retryInterval: 5_000,
        maxSessions: 3,
        maxRequestBodySize: 1024,
        keepAliveInterval: 1,
      });

      expect(resolved).toMatchObject({
        jsonResponse: true,
        retryInterval: 5_000,
        maxSessions: 3,
        maxRequestBodySize: 1024,
        keepAliveInterval: 1,
      });
    });
  });

  describe('sessionIdleTimeout', () => {
    it('null disables expiry', () => {
      expect(
        resolveMcpSessionOptions({ sessionIdleTimeout: null }).sessionIdleTimeoutMs,
      ).toBeNull();
    });

    it('null lets retryInterval be as long as wanted', () => {
      const resolved = resolveMcpSessionOptions({
        sessionIdleTimeout: null,
        retryInterval: 5_000_000,
      });

      expect(resolved.retryInterval).toBe(5_000_000);
      expect(resolved.sessionIdleTimeoutMs).toBeNull();
    });

    it('accepts a retryInterval just below the idle timeout', () => {
      expect(
        resolveMcpSessionOptions({ sessionIdleTimeout: 10, retryInterval: 9_999 }).retryInterval,
      ).toBe(9_999);
    });
  });

  describe('event store', () => {
    it("chooses 'memory' by default", () => {
      expect(resolveMcpSessionOptions().eventStore).toBe('memory');
    });

    it('follows the sessions onto Redis unless told otherwise', () => {
      expect(resolveMcpSessionOptions({ sessionStore: 'redis' }).eventStore).toBe('redis');
      expect(
        resolveMcpSessionOptions({ sessionStore: 'redis', eventStore: 'memory' }).eventStore,
      ).toBe('memory');
      expect(resolveMcpSessionOptions({ sessionStore: 'memory' }).eventStore).toBe('memory');
    });

    it('keeps a store of the application, whose methods may live on its prototype', () => {
      const store = new InMemoryEventStore();

      expect(resolveMcpSessionOptions({ eventStore: store }).eventStore).toBe(store);
      expect(resolveMcpSessionOptions({ eventStore: fakeStore() }).eventStore).toMatchObject({
        purgeSession: expect.any(Function),
      });
    });

    it('keeps the Redis connection apart from the event bounds', () => {
      const resolved = resolveMcpSessionOptions({
        redis: { url: 'redis://cache:6380' },
        redisEventStore: { maxEventsPerStream: 5 },
      });

      expect(resolved.redis).toEqual({ url: 'redis://cache:6380', keyPrefix: 'mcp:' });
      expect(resolved.redisEventStore).toEqual({ maxEventsPerStream: 5 });
    });

    it('still reads the event bounds given with the connection, as before', () => {
      const resolved = resolveMcpSessionOptions({
        redis: { maxEventsPerStream: 7, ttlSeconds: 60 },
      });

      expect(resolved.redisEventStore).toEqual({ maxEventsPerStream: 7, ttlSeconds: 60 });
    });
  });

  describe('stateless', () => {
    it('has no event store and no idle timeout', () => {
      const resolved = resolveMcpSessionOptions({ stateless: true });

      expect(resolved.stateless).toBe(true);
      expect(resolved.eventStore).toBe('none');
      expect(resolved.sessionIdleTimeoutMs).toBeNull();
    });

    it('ignores an explicit event store', () => {
      for (const eventStore of ['memory', fakeStore()] as const) {
        expect(resolveMcpSessionOptions({ stateless: true, eventStore }).eventStore).toBe('none');
      }
    });

    it('accepts sessionIdleTimeout: null and any retryInterval', () => {
      const resolved = resolveMcpSessionOptions({
        stateless: true,
        sessionIdleTimeout: null,
        retryInterval: 10_000_000,
      });

      expect(resolved.sessionIdleTimeoutMs).toBeNull();
      expect(resolved.retryInterval).toBe(10_000_000);
    });
  });

  describe('path', () => {
    it.each([
      ['mcp', '/mcp'],
      ['/mcp/', '/mcp'],
      ['/mcp', '/mcp'],
      ['api/mcp//', '/api/mcp'],
      ['  /mcp  ', '/mcp'],
      ['/', '/'],
    ])('normalizes %j to %j', (path, expected) => {
      expect(resolveMcpSessionOptions({ path }).path).toBe(expected);
    });
  });

  describe('validation', () => {
    it('names the option in an McpSessionOptionsError', () => {
      const error = errorFor({ maxSessions: 0 });

      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe('McpSessionOptionsError');
      expect(error.message).toMatch(/^McpSessionModule option "maxSessions" /);
    });

    it.each<[string, string, McpSessionModuleOptions]>([
      ['sessionStore', 'unknown', untyped({ sessionStore: 'disk' })],
      ['protocol', 'unknown', untyped({ protocol: 'both' })],
      ['requestStateKey', 'too short', { requestStateKey: 'short' }],
      ['requestStateKey', '31 bytes', { requestStateKey: new Uint8Array(31) }],
      ['requestStateKey', 'a number', untyped({ requestStateKey: 42 })],
      ['sessionStore', 'with stateless', { stateless: true, sessionStore: 'redis' }],
      ['sessionIdleTimeout', 'with stateless', { stateless: true, sessionIdleTimeout: 60 }],
      ['sessionIdleTimeout', 'zero', { sessionIdleTimeout: 0 }],
      ['sessionIdleTimeout', 'negative', { sessionIdleTimeout: -1 }],
      ['sessionIdleTimeout', 'NaN', { sessionIdleTimeout: Number.NaN }],
      ['sessionIdleTimeout', 'Infinity', { sessionIdleTimeout: Number.POSITIVE_INFINITY }],
      ['sessionIdleTimeout', 'a string', untyped({ sessionIdleTimeout: '60' })],
      ['retryInterval', 'not an integer', { retryInterval: 1.5 }],
      ['retryInterval', 'zero', { retryInterval: 0 }],
      ['retryInterval', 'negative', { retryInterval: -100 }],
      ['retryInterval', 'a string', untyped({ retryInterval: '1000' })],
      [
        'retryInterval',
        'equal to the idle timeout',
        { sessionIdleTimeout: 10, retryInterval: 10_000 },
      ],
      ['retryInterval', 'above the idle timeout', { retryInterval: 1_800_001 }],
      ['reapInterval', 'zero', { reapInterval: 0 }],
      ['reapInterval', 'negative', { reapInterval: -5 }],
      ['reapInterval', 'NaN', { reapInterval: Number.NaN }],
      ['maxSessions', 'not an integer', { maxSessions: 1.5 }],
      ['maxSessions', 'zero', { maxSessions: 0 }],
      ['maxRequestBodySize', 'zero', { maxRequestBodySize: 0 }],
      ['maxRequestBodySize', 'not an integer', { maxRequestBodySize: 1024.5 }],
      ['maxRequestBodySize', 'negative', { maxRequestBodySize: -1 }],
      ['keepAliveInterval', 'zero', { keepAliveInterval: 0 }],
      ['keepAliveInterval', 'not an integer', { keepAliveInterval: 0.5 }],
      ['shutdownGracePeriod', 'negative', { shutdownGracePeriod: -1 }],
      ['shutdownGracePeriod', 'NaN', { shutdownGracePeriod: Number.NaN }],
      ['maxSessionLifetime', 'zero', { maxSessionLifetime: 0 }],
      ['maxSessionLifetime', 'with stateless', { stateless: true, maxSessionLifetime: 60 }],
      ['maxSessionsPerPrincipal', 'not an integer', { maxSessionsPerPrincipal: 2.5 }],
      ['maxSessionsPerPrincipal', 'zero', { maxSessionsPerPrincipal: 0 }],
      ['shutdownGracePeriod', 'Infinity', { shutdownGracePeriod: Number.POSITIVE_INFINITY }],
      ['shutdownGracePeriod', 'beyond what a timer can wait', { shutdownGracePeriod: 3_000_000 }],
      ['reapInterval', 'beyond what a timer can wait', { reapInterval: 3_000_000 }],
      ['keepAliveInterval', 'beyond what a timer can wait', { keepAliveInterval: 2 ** 31 }],
      ['security.allowedHosts', 'with a blank entry', { security: { allowedHosts: [' '] } }],
      [
        'security.dnsRebindingProtection',
        'a string',
        untyped({ security: { dnsRebindingProtection: 'false' } }),
      ],
      ['shutdownGracePeriod', 'a string', untyped({ shutdownGracePeriod: '10' })],
      ['sessionIdGenerator', 'a string', untyped({ sessionIdGenerator: 'uuid' })],
      ['sessionIdGenerator', 'null', untyped({ sessionIdGenerator: null })],
      ['principalResolver', 'a number', untyped({ principalResolver: 42 })],
      ['security.allowedHosts', 'a string', untyped({ security: { allowedHosts: 'localhost' } })],
      ['security.allowedHosts', 'with an empty entry', { security: { allowedHosts: ['a', ''] } }],
      ['security.allowedHosts', 'with a non-string', untyped({ security: { allowedHosts: [1] } })],
      ['security.allowedOrigins', 'not an array', untyped({ security: { allowedOrigins: {} } })],
      ['security.allowedOrigins', 'with an empty entry', { security: { allowedOrigins: [''] } }],
      ['eventStore', 'missing methods', untyped({ eventStore: { storeEvent: async () => 'x' } })],
      ['eventStore', 'an unknown string', untyped({ eventStore: 'postgres' })],
      ['eventStore', 'a number', untyped({ eventStore: 1 })],
      ['path', 'empty', { path: '' }],
      ['path', 'blank', { path: '   ' }],
      ['path', 'not a string', untyped({ path: 42 })],
    ])('rejects %s (%s)', (option, _case, options) => {
      const error = errorFor(options);

      expect(error.message).toContain(`option "${option}"`);
    });

    it('lists the required methods when an event store is incomplete', () => {
      const incomplete: Partial<SessionEventStore> = fakeStore();
      delete incomplete.purgeSession;

      const error = errorFor(untyped({ eventStore: incomplete }));

      expect(error.message).toContain('purgeSession');
    });
  });
});
