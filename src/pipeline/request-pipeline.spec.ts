import { LocalSessionDirectory } from '../directory/local-session-directory.js';
import type { SessionResolution } from '../directory/session-directory.interface.js';
import {
  fakeLive,
  fakeRequest,
  fakeSdkLine,
  fakeServer,
  fakeTransport,
} from '../../test/support/fakes.js';
import { ModernEndpoint } from '../modern/modern-endpoint.js';
import { resolveMcpSessionOptions } from '../options/mcp-session-options.resolver.js';
import type { McpServerSource } from '../server/mcp-server-source.js';
import type { McpTransportFactory } from '../server/mcp-transport.interface.js';
import type { LiveSessionBuilder, LiveSessionCallbacks } from '../session/live-session.builder.js';
import { McpSession } from '../session/mcp-session.js';
import type { SessionEvent } from '../session/session-events.js';
import { SessionLifecycle } from '../session/session-lifecycle.js';
import { NO_TELEMETRY } from '../telemetry/mcp-telemetry.js';
import { Admission, EndpointState } from './admission.js';
import { RequestPipeline } from './request-pipeline.js';
import { ResponseTracker } from './response-tracker.js';

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'client', version: '1' },
  },
};
const PING = { jsonrpc: '2.0', id: 7, method: 'ping' };

/** A directory of this process whose remote answers a test can script. */
class ScriptedDirectory extends LocalSessionDirectory {
  resolution: SessionResolution | undefined;
  forwarded: SessionResolution | undefined;
  forwards = 0;
  unavailable = false;

  override servingRefusal() {
    return this.unavailable ? { status: 503, code: -32000, message: 'store down' } : undefined;
  }

  override async resolve(...args: Parameters<LocalSessionDirectory['resolve']>) {
    return this.resolution ?? super.resolve(...args);
  }

  override async forward(): Promise<SessionResolution> {
    this.forwards++;
    return this.forwarded ?? super.forward();
  }
}

function setUp(options: Parameters<typeof resolveMcpSessionOptions>[0] = {}) {
  const resolved = resolveMcpSessionOptions(options);
  const state = new EndpointState();
  state.phase = 'running';
  const directory = new ScriptedDirectory({
    maxSessions: 10,
    maxSessionsPerPrincipal: null,
    reapIntervalMs: 10_000,
    limits: { idleMs: 60_000, lifetimeMs: null },
  });
  const callbacks: LiveSessionCallbacks[] = [];
  const builder = {
    build: async (_session: McpSession, given: LiveSessionCallbacks) => {
      callbacks.push(given);
      return fakeLive();
    },
    replayInitialization: async () => undefined,
  } as unknown as LiveSessionBuilder;
  const lifecycle = new SessionLifecycle(directory, builder, undefined);
  const events: SessionEvent[] = [];
  lifecycle.events$.subscribe((event) => events.push(event));
  const tracker = new ResponseTracker(directory);
  const transports: McpTransportFactory = {
    forSession: () => fakeTransport(),
    forStatelessRequest: () => fakeTransport(),
  };
  const servers = {
    create: async () => ({ server: fakeServer(), line: fakeSdkLine() }),
  } as unknown as McpServerSource;
  const pipeline = new RequestPipeline(
    resolved,
    new Admission(resolved, state),
    directory,
    lifecycle,
    tracker,
    transports,
    servers,
    // Never started: the 2025-era legs only.
    new ModernEndpoint(resolved, undefined, null, servers),
    NO_TELEMETRY,
  );
  /** A session held here, awake. */
  const held = async (id: string, principal?: string) => {
    const session = new McpSession(id, principal, Date.now());
    await directory.reserve(session);
    directory.admit(session);
    session.attach(fakeLive());
    return session;
  };
  return { pipeline, state, directory, callbacks, events, tracker, held };
}

describe('RequestPipeline', () => {
  describe('admission', () => {
    it('refuses every request before start and after stop with 503', async () => {
      const { pipeline, state } = setUp();
      for (const phase of ['created', 'stopped'] as const) {
        state.phase = phase;
        const request = fakeRequest({ body: INITIALIZE });
        await pipeline.handle(request);
        expect(request.res.statusCode).toBe(503);
      }
    });

    it('answers 405 with Allow to a method it does not serve', async () => {
      const { pipeline } = setUp();
      const request = fakeRequest({ method: 'PUT' });

      await pipeline.handle(request);

      expect(request.res.statusCode).toBe(405);
      expect(request.res.headers).toMatchObject({ Allow: 'GET, POST, DELETE' });
    });

    it('answers 421 to a foreign Host from a client, but not to a forwarded request', async () => {
      const { pipeline, directory, held } = setUp();
      await held('a');
      const client = fakeRequest({ sessionId: 'a', headers: { host: 'evil.example.com' } });
      const forwarded = fakeRequest({ sessionId: 'a', origin: 'replica', body: PING, headers: {} });

      await pipeline.handle(client);
      await pipeline.handle(forwarded);

      expect(client.res.statusCode).toBe(421);
      expect(forwarded.served).toHaveLength(1);
      expect(directory.held.size).toBe(1);
    });

    it('answers 400 to a malformed session id', async () => {
      const { pipeline } = setUp();
      const request = fakeRequest({ sessionId: 'bad id' });

      await pipeline.handle(request);

      expect(request.res.statusCode).toBe(400);
    });

    it('while draining, refuses new sessions, streams and requests, but lets answers through', async () => {
      const { pipeline, state, held } = setUp();
      const session = await held('a');
      state.phase = 'draining';
      const refused = [
        fakeRequest({ body: INITIALIZE }),
        fakeRequest({ method: 'GET', sessionId: 'a' }),
        fakeRequest({ sessionId: 'a', body: PING }),
      ];
      const answer = fakeRequest({ sessionId: 'a', body: { jsonrpc: '2.0', id: 3, result: {} } });

      for (const request of [...refused, answer]) await pipeline.handle(request);

      for (const request of refused) expect(request.res.statusCode).toBe(503);
      expect(answer.served).toEqual([session.live!.transport]);
    });
  });

  describe('a session request', () => {
    it('is served on the transport of its session, counted in flight until it closes', async () => {
      const { pipeline, held } = setUp();
      const session = await held('a', 'alice');
      const request = fakeRequest({ sessionId: 'a', principal: 'alice', body: PING });

      await pipeline.handle(request);

      expect(request.served).toEqual([session.live!.transport]);
      expect(session.inFlightRequests).toBe(1);
      request.res.end();
      expect(session.inFlightRequests).toBe(0);
    });

    it('answers 404 to a session of another principal', async () => {
      const { pipeline, held } = setUp();
      await held('a', 'alice');
      const request = fakeRequest({ sessionId: 'a', principal: 'mallory', body: PING });

      await pipeline.handle(request);

      expect(request.res.statusCode).toBe(404);
      expect(request.served).toEqual([]);
    });

    it('ends an expired session and answers 404', async () => {
      const { pipeline, directory, events } = setUp();
      const session = new McpSession('old', undefined, Date.now() - 120_000);
      await directory.reserve(session);
      directory.admit(session);
      const request = fakeRequest({ sessionId: 'old', body: PING });

      await pipeline.handle(request);

      expect(request.res.statusCode).toBe(404);
      expect(directory.held.size).toBe(0);
      expect(events).toMatchObject([{ type: 'closed', sessionId: 'old', reason: 'idle' }]);
    });

    it('is refused with 503 while the directory may not serve its sessions', async () => {
      const { pipeline, directory, held } = setUp();
      await held('a');
      directory.unavailable = true;
      const request = fakeRequest({ sessionId: 'a', body: PING });

      await pipeline.handle(request);

      expect(request.res.statusCode).toBe(503);
      expect(request.served).toEqual([]);
    });

    it('refuses a request id already in flight on the session', async () => {
      const { pipeline, held } = setUp();
      await held('a');
      const first = fakeRequest({ sessionId: 'a', body: PING });
      const second = fakeRequest({ sessionId: 'a', body: PING });

      await pipeline.handle(first);
      await pipeline.handle(second);

      expect(second.res.statusCode).toBe(400);
      expect(second.res.errorCode).toBe(-32600);
    });

    it('reads the body before forwarding a request to the replica that holds its session', async () => {
      const { pipeline, directory } = setUp();
      directory.resolution = { kind: 'elsewhere' };
      directory.forwarded = { kind: 'answered' };
      const unreadable = fakeRequest({
        sessionId: 'a',
        bodyError: { status: 400, code: -32700, message: 'Parse error' },
      });
      const readable = fakeRequest({ sessionId: 'a', body: PING });

      await pipeline.handle(unreadable);
      await pipeline.handle(readable);

      expect(unreadable.res.statusCode).toBe(400);
      expect(directory.forwards).toBe(1);
      expect(readable.res.headersSent).toBe(false);
    });

    it('wakes a hibernated session, and deletes one without waking it', async () => {
      const { pipeline, held, events } = setUp();
      const sleeping = await held('a');
      sleeping.detach();
      const ping = fakeRequest({ sessionId: 'a', body: PING });
      await pipeline.handle(ping);

      expect(ping.served).toEqual([sleeping.live!.transport]);
      const dormant = await held('b');
      dormant.detach();
      const deletion = fakeRequest({ sessionId: 'b', method: 'DELETE' });
      await pipeline.handle(deletion);

      expect(deletion.res.statusCode).toBe(200);
      expect(events.map((event) => event.type)).toEqual(['rehydrated', 'closed']);
    });
  });

  describe('opening a session', () => {
    it('answers 400 to a request without a session id that is not an initialize', async () => {
      const { pipeline } = setUp();
      const request = fakeRequest({ body: PING });

      await pipeline.handle(request);

      expect(request.res.statusCode).toBe(400);
    });

    it('holds the session once its transport accepts initialize', async () => {
      const { pipeline, directory, callbacks, events } = setUp();
      const request = fakeRequest({ body: INITIALIZE, principal: 'alice' });
      request.serve = async () => {
        callbacks[0].onInitialized!();
      };

      await pipeline.handle(request);

      const [session] = directory.held.values();
      expect(session).toMatchObject({ principal: 'alice', protocolVersion: '2025-11-25' });
      expect(events).toMatchObject([{ type: 'created', sessionId: session.id }]);
    });

    it('leaves nothing behind when the transport refuses the initialize', async () => {
      const { pipeline, directory, events } = setUp();
      const request = fakeRequest({ body: INITIALIZE });

      await pipeline.handle(request);

      expect(directory.held.size).toBe(0);
      expect(await directory.reserve(new McpSession('x', undefined, 0))).toBeUndefined();
      expect(events).toEqual([]);
    });
  });

  it('answers 500 to a request whose handling fails unexpectedly', async () => {
    const { pipeline } = setUp({ sessionIdGenerator: () => 'not visible ascii \u0001' });
    const request = fakeRequest({ body: INITIALIZE });

    await pipeline.handle(request);

    expect(request.res.statusCode).toBe(500);
  });
});
