import { NO_TELEMETRY } from '../telemetry/mcp-telemetry.js';
import { Subject } from 'rxjs';
import { fakeRequest, FakeResponse } from '../../test/support/fakes.js';
import type { ClusterMessage, ForwardedRequest } from '../cluster/cluster-messages.js';
import type { ExpiredSession as RegistryExpiry } from '../cluster/redis-session-registry.js';
import type { ForwardOutcome, InboundMessage } from '../cluster/request-forwarder.js';
import type { SessionCluster } from '../cluster/session-cluster.js';
import type { SessionRecord } from '../cluster/session-record.js';
import type { RemoteResponse } from '../cluster/remote-response.js';
import { McpSession } from '../session/mcp-session.js';
import { RedisSessionDirectory } from './redis-session-directory.js';
import type { LostSession } from './session-directory.interface.js';

const HERE = 'replica-here';
const THERE = 'replica-there';

/** The cluster's registry and pub/sub, in memory: what the directory asks of Redis. */
class FakeCluster {
  readonly replicaId = HERE;
  fresh = true;
  readonly records = new Map<string, SessionRecord>();
  readonly alive = new Set<string>([HERE]);
  expired: RegistryExpiry[] = [];
  readonly sent: Array<{ to: string; message: ClusterMessage }> = [];
  readonly forwards: Array<{ owner: string; request: ForwardedRequest }> = [];
  forwardOutcome: ForwardOutcome = 'served';
  readonly inbound = new Subject<InboundMessage>();
  readonly beats = new Subject<{ lapsed: boolean }>();
  readonly reconnected = new Subject<void>();
  joined = false;

  readonly registry = {
    reserve: async (record: SessionRecord) => {
      this.records.set(record.id, record);
      return undefined;
    },
    lookup: async (id: string) => {
      const record = this.records.get(id);
      return record && { record: { ...record }, ownerAlive: this.alive.has(record.owner) };
    },
    claim: async (id: string, from: string, to: string) => {
      const record = this.records.get(id);
      if (!record) return 'gone' as const;
      if (record.owner !== from) return false;
      record.owner = to;
      return true;
    },
    release: async (id: string, owner: string, stateJson: string) => {
      const record = this.records.get(id);
      if (record?.owner === owner) Object.assign(record, { owner: '', stateJson });
    },
    remove: async (id: string) => this.records.delete(id),
    claimExpired: async () => this.expired.splice(0),
    touch: async () => undefined,
    update: async () => undefined,
    notOwnedBy: async (ids: string[], owner: string) =>
      ids.filter((id) => this.records.get(id)?.owner !== owner),
  };

  readonly forwarder = {
    inbound$: this.inbound.asObservable(),
    reconnected$: this.reconnected.asObservable(),
    forward: async (owner: string, request: ForwardedRequest) => {
      this.forwards.push({ owner, request });
      return this.forwardOutcome;
    },
    send: async (to: string, message: ClusterMessage) => {
      this.sent.push({ to, message });
      return 1;
    },
  };

  readonly beats$ = this.beats.asObservable();
  readonly telemetry = NO_TELEMETRY;

  isFresh(): boolean {
    return this.fresh;
  }

  async join(): Promise<void> {
    this.joined = true;
  }

  /** A record of a session owned by `owner`. */
  put(id: string, owner: string, principal?: string): void {
    this.records.set(id, {
      id,
      principal,
      createdAt: Date.now(),
      lastActivityAt: Date.now(),
      protocolVersion: '2025-11-25',
      clientInfo: { name: 'client', version: '1' },
      initializeJson: '{}',
      clientInitialized: true,
      stateJson: '{"count":1}',
      owner,
    });
  }
}

function setUp(maxSessions = 10) {
  const cluster = new FakeCluster();
  const dir = new RedisSessionDirectory(cluster as unknown as SessionCluster, {
    maxSessions,
    maxSessionsPerPrincipal: null,
    reapIntervalMs: 10_000,
    limits: { idleMs: 60_000, lifetimeMs: null },
  });
  const lost: LostSession[] = [];
  dir.lost$.subscribe((session) => lost.push(session));
  return { cluster, dir, lost };
}

async function hold(dir: RedisSessionDirectory, id: string, principal?: string) {
  const session = new McpSession(id, principal, Date.now());
  expect(await dir.reserve(session)).toBeUndefined();
  dir.admit(session);
  return session;
}

describe('RedisSessionDirectory', () => {
  it('reserves a session in the registry, owned here, and removes it when it does not open', async () => {
    const { cluster, dir } = setUp();
    const session = new McpSession('a', 'alice', Date.now());

    await dir.reserve(session);
    expect(cluster.records.get('a')).toMatchObject({ owner: HERE, principal: 'alice' });

    await dir.cancel(session);
    expect(cluster.records.has('a')).toBe(false);
  });

  it('answers 503 when the registry does not answer a reservation', async () => {
    const { cluster, dir } = setUp();
    cluster.registry.reserve = async () => {
      throw new Error('connection lost');
    };

    expect(await dir.reserve(new McpSession('a', undefined, 0))).toMatchObject({ status: 503 });
    expect(dir.held.size).toBe(0);
  });

  it("sends a client's request for a session it does not hold to the session's owner", async () => {
    const { cluster, dir } = setUp();
    cluster.put('a', THERE, 'alice');
    cluster.alive.add(THERE);
    const request = fakeRequest({ principal: 'alice', body: { jsonrpc: '2.0', method: 'ping' } });

    expect(await dir.resolve(request, 'a')).toEqual({ kind: 'elsewhere' });
    expect(await dir.forward(request, 'a')).toEqual({ kind: 'answered' });
    expect(cluster.forwards).toEqual([
      { owner: THERE, request: expect.objectContaining({ sessionId: 'a', principal: 'alice' }) },
    ]);
  });

  it('answers a refusal instead of forwarding, once the session is found', async () => {
    const { cluster, dir } = setUp();
    cluster.put('a', THERE);
    cluster.alive.add(THERE);
    const draining = { status: 503, code: -32000, message: 'shutting down' };

    expect(await dir.forward(fakeRequest(), 'a', draining)).toEqual({
      kind: 'refused',
      error: draining,
    });
    expect(await dir.forward(fakeRequest(), 'unknown', draining)).toMatchObject({
      error: { status: 404 },
    });
    expect(cluster.forwards).toEqual([]);
  });

  it("answers 404 for another principal's session, without forwarding", async () => {
    const { cluster, dir } = setUp();
    cluster.put('a', THERE, 'alice');
    cluster.alive.add(THERE);

    expect(await dir.forward(fakeRequest({ principal: 'mallory' }), 'a')).toMatchObject({
      error: { status: 404 },
    });
    expect(cluster.forwards).toEqual([]);
  });

  it('takes over a session whose owner is dead, and tells that owner to let it go', async () => {
    const { cluster, dir } = setUp();
    cluster.put('a', THERE);

    const resolution = await dir.forward(fakeRequest(), 'a');

    expect(resolution.kind).toBe('held');
    const session = dir.held.get('a')!;
    expect(session.live).toBeUndefined();
    expect(session.state).toEqual({ count: 1 });
    expect(cluster.records.get('a')?.owner).toBe(HERE);
    expect(cluster.sent).toEqual([{ to: THERE, message: { type: 'revoke', sessionId: 'a' } }]);
  });

  it('takes no session over once draining', async () => {
    const { cluster, dir } = setUp();
    cluster.put('a', THERE);
    dir.drain();

    expect(await dir.forward(fakeRequest(), 'a')).toMatchObject({ error: { status: 503 } });
    expect(cluster.records.get('a')?.owner).toBe(THERE);
  });

  it('serves a forwarded request only on a session held here, never forwarding it again', async () => {
    const { cluster, dir } = setUp();
    await hold(dir, 'a');

    expect(await dir.resolve(fakeRequest({ origin: 'replica' }), 'a')).toMatchObject({
      kind: 'held',
    });
    expect(await dir.resolve(fakeRequest({ origin: 'replica' }), 'b')).toMatchObject({
      error: { status: 404 },
    });
    expect(cluster.forwards).toEqual([]);
  });

  it('serves no held session while its heartbeat is stale', async () => {
    const { cluster, dir } = setUp();
    expect(dir.servingRefusal()).toBeUndefined();

    cluster.fresh = false;

    expect(dir.servingRefusal()).toMatchObject({ status: 503 });
  });

  it('accepts a forwarded request for a held session and publishes it; refuses the others', async () => {
    const { cluster, dir } = setUp();
    await dir.start();
    await hold(dir, 'a');
    const published: string[] = [];
    dir.forwarded$.subscribe((request) => published.push(request.sessionId as string));
    const deliver = (sessionId: string) => {
      let accepted = false;
      cluster.inbound.next({
        type: 'request',
        request: { sessionId, method: 'POST', url: 'http://x/mcp', headers: {} },
        res: new FakeResponse() as unknown as RemoteResponse,
        accept: () => (accepted = true),
      });
      return accepted;
    };

    expect(cluster.joined).toBe(true);
    expect(deliver('a')).toBe(true);
    expect(deliver('b')).toBe(false);
    expect(published).toEqual(['a']);
  });

  it('publishes the sessions it must let go: closed or revoked elsewhere', async () => {
    const { cluster, dir, lost } = setUp();
    await dir.start();
    const a = await hold(dir, 'a');
    const b = await hold(dir, 'b');

    cluster.inbound.next({ type: 'close', sessionId: 'a', reason: 'idle' });
    cluster.inbound.next({ type: 'revoke', sessionId: 'b' });
    cluster.inbound.next({ type: 'revoke', sessionId: 'unknown' });

    expect(lost).toEqual([
      { how: 'terminate', session: a, reason: 'idle' },
      { how: 'release', session: b },
    ]);
  });

  it('after a lapsed heartbeat, lets go of the held sessions the registry gives elsewhere', async () => {
    const { cluster, dir, lost } = setUp();
    await dir.start();
    await hold(dir, 'kept');
    const taken = await hold(dir, 'taken');
    cluster.records.get('taken')!.owner = THERE;

    cluster.beats.next({ lapsed: true });
    await new Promise((resolve) => setImmediate(resolve));

    expect(lost).toEqual([{ how: 'release', session: taken }]);
  });

  it('reaps expired sessions: held ones here, others on their live owner, orphans here', async () => {
    const { cluster, dir } = setUp();
    const held = await hold(dir, 'held');
    cluster.alive.add(THERE);
    const expiry = (id: string, owner: string, ownerAlive: boolean) => ({
      id,
      owner,
      ownerAlive,
      principal: undefined,
      createdAt: 0,
    });
    cluster.expired = [
      expiry('held', HERE, true),
      expiry('there', THERE, true),
      expiry('orphan', 'dead', false),
    ];

    const expired = await dir.reapExpired(Date.now());

    expect(expired).toEqual([
      { kind: 'held', session: held, reason: 'idle' },
      { kind: 'unheld', sessionId: 'orphan', principal: undefined, reason: 'idle' },
    ]);
    expect(cluster.sent).toEqual([
      { to: THERE, message: { type: 'close', sessionId: 'there', reason: 'idle' } },
    ]);
  });

  it('releases its sessions at shutdown, the quiet ones at once', async () => {
    const { dir } = setUp();
    const quiet = await hold(dir, 'quiet');
    const busy = await hold(dir, 'busy');
    busy.begin(new FakeResponse(), 'request', Date.now());

    expect(dir.retirementAtShutdown).toBe('release');
    expect(dir.drain()).toEqual([quiet]);
  });
});
