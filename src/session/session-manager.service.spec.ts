import type { ModuleRef } from '@nestjs/core';
import { Subject } from 'rxjs';
import {
  fakeLive,
  fakeRequest,
  fakeSdkLines,
  fakeServer,
  fakeTransport,
} from '../../test/support/fakes.js';
import { LocalSessionDirectory } from '../directory/local-session-directory.js';
import type { ExpiredSession, LostSession } from '../directory/session-directory.interface.js';
import { ModuleEventStore } from '../event-store/module-event-store.js';
import type { McpRequest } from '../pipeline/mcp-request.js';
import { resolveMcpSessionOptions } from '../options/mcp-session-options.resolver.js';
import type { McpTransportFactory } from '../server/mcp-transport.interface.js';
import { McpSession } from './mcp-session.js';
import type { SessionEvent } from './session-events.js';
import { NO_TELEMETRY } from '../telemetry/mcp-telemetry.js';
import { SessionManager } from './session-manager.service.js';

/** A directory of this process that can also play a cluster's part, as a test directs. */
class FakeDirectory extends LocalSessionDirectory {
  readonly lost = new Subject<LostSession>();
  readonly incoming = new Subject<McpRequest>();
  override readonly lost$ = this.lost.asObservable();
  override readonly forwarded$ = this.incoming.asObservable();
  override retirementAtShutdown: 'terminate' | 'release' = 'terminate';
  unheld: ExpiredSession[] = [];
  announced: Array<[string, string]> = [];

  override async reapExpired(now: number): Promise<ExpiredSession[]> {
    return [...(await super.reapExpired(now)), ...this.unheld.splice(0)];
  }

  override drain(): McpSession[] {
    if (this.retirementAtShutdown === 'terminate') return [];
    return [...this.held.values()].filter((session) => session.isQuietFor(Date.now(), 0));
  }

  override async announce(...[session, how]: unknown[]): Promise<void> {
    this.announced.push([(session as McpSession).id, how as string]);
  }
}

async function setUp(factory: unknown = () => fakeServer()) {
  const options = resolveMcpSessionOptions({ shutdownGracePeriod: 0 });
  const directory = new FakeDirectory({
    maxSessions: 10,
    maxSessionsPerPrincipal: null,
    reapIntervalMs: 10_000,
    limits: { idleMs: 60_000, lifetimeMs: null },
  });
  const moduleRef = { get: () => factory } as unknown as ModuleRef;
  const transports: McpTransportFactory = {
    forSession: () => fakeTransport(),
    forStatelessRequest: () => fakeTransport(),
  };
  const store = await ModuleEventStore.create({ ...options, eventStore: 'none' }, undefined);
  const manager = new SessionManager(
    options,
    moduleRef,
    store,
    directory,
    transports,
    fakeSdkLines(),
    undefined,
    null,
    NO_TELEMETRY,
  );
  const events: SessionEvent[] = [];
  manager.events$.subscribe((event) => events.push(event));
  /** A session held here, awake, with `principal`. */
  const held = async (id: string, createdAt = Date.now()) => {
    const session = new McpSession(id, undefined, createdAt);
    await directory.reserve(session);
    directory.admit(session);
    const live = fakeLive();
    session.attach(live);
    return { session, live };
  };
  return { manager, directory, events, held };
}

describe('SessionManager', () => {
  it('runs once: a second start, or a start after shutdown, is refused', async () => {
    const { manager } = await setUp();
    await manager.onModuleInit();

    await expect(manager.onModuleInit()).rejects.toThrow(/already been started/);
    await manager.beforeApplicationShutdown();
    await manager.onApplicationShutdown();
    await expect(manager.onModuleInit()).rejects.toThrow(/already been shut down/);
  });

  it('refuses to start without a server factory, saying how to provide one', async () => {
    const { manager } = await setUp('not a function');

    await expect(manager.onModuleInit()).rejects.toThrow(/MCP_SERVER_FACTORY must be a function/);
  });

  it('closes a session on request, closing its server, and publishes why', async () => {
    const { manager, events, held } = await setUp();
    await manager.onModuleInit();
    const { live } = await held('a');

    expect(await manager.close('a')).toBe(true);
    expect(await manager.close('a')).toBe(false);
    expect(manager.count()).toBe(0);
    expect(live.server.closed).toBe(true);
    expect(events).toMatchObject([{ type: 'closed', sessionId: 'a', reason: 'closed' }]);
  });

  it('hibernates a quiet session, keeping its record, but not a busy one', async () => {
    const { manager, held } = await setUp();
    await manager.onModuleInit();
    const quiet = await held('quiet');
    const busy = await held('busy');
    busy.session.begin(fakeRequest().res, 'request', Date.now());

    expect(await manager.hibernate('quiet')).toBe(true);
    expect(await manager.hibernate('busy')).toBe(false);
    expect(quiet.live.server.closed).toBe(true);
    expect(manager.get('quiet')).toMatchObject({ hibernated: true });
    expect(manager.get('busy')).toMatchObject({ hibernated: false });
  });

  it('reaps expired sessions held here, and announces the end of those no replica holds', async () => {
    const { manager, directory, events, held } = await setUp();
    await manager.onModuleInit();
    await held('old', Date.now() - 120_000);
    await held('fresh');
    directory.unheld = [{ kind: 'unheld', sessionId: 'orphan', principal: 'p', reason: 'expired' }];

    expect(await manager.reapExpiredSessions()).toBe(2);
    expect(manager.list().map((session) => session.id)).toEqual(['fresh']);
    expect(events).toMatchObject([
      { type: 'closed', sessionId: 'old', reason: 'idle' },
      { type: 'closed', sessionId: 'orphan', principal: 'p', reason: 'expired' },
    ]);
  });

  it('at shutdown ends streams and closes every session, then completes its events', async () => {
    const { manager, events, held } = await setUp();
    await manager.onModuleInit();
    const { live } = await held('a');
    let completed = false;
    manager.events$.subscribe({ complete: () => (completed = true) });

    await manager.beforeApplicationShutdown();
    await manager.onApplicationShutdown();

    expect(live.transport.streamClosed).toBe(true);
    expect(events).toMatchObject([{ type: 'closed', reason: 'shutdown' }]);
    expect(completed).toBe(true);
  });

  it('at shutdown releases its sessions when its directory shares them', async () => {
    const { manager, directory, events, held } = await setUp();
    directory.retirementAtShutdown = 'release';
    await manager.onModuleInit();
    await held('a');
    await held('b');

    await manager.beforeApplicationShutdown();

    expect(events.map((event) => event.type)).toEqual(['released', 'released']);
    expect(directory.announced).toEqual([
      ['a', 'released'],
      ['b', 'released'],
    ]);
  });

  it('lets go of the sessions its directory lost: ended, or taken over elsewhere', async () => {
    const { manager, directory, events, held } = await setUp();
    await manager.onModuleInit();
    const a = await held('a');
    const b = await held('b');

    directory.lost.next({ how: 'terminate', session: a.session, reason: 'idle' });
    directory.lost.next({ how: 'release', session: b.session });
    await new Promise((resolve) => setImmediate(resolve));

    expect(events).toMatchObject([
      { type: 'closed', sessionId: 'a', reason: 'idle' },
      { type: 'released', sessionId: 'b' },
    ]);
    expect(manager.count()).toBe(0);
  });

  it('serves the requests its directory receives from other replicas', async () => {
    const { manager, directory, held } = await setUp();
    await manager.onModuleInit();
    const { live } = await held('a');
    const request = fakeRequest({
      origin: 'replica',
      sessionId: 'a',
      body: { jsonrpc: '2.0', id: 1, method: 'ping' },
    });

    directory.incoming.next(request);
    await new Promise((resolve) => setImmediate(resolve));

    expect(request.served).toEqual([live.transport]);
  });
});
