import { Redis } from 'ioredis';
import { RedisSessionRegistry } from '../src/cluster/redis-session-registry.js';
import type { SessionRecord } from '../src/cluster/session-record.js';
import { startRedis, type TestRedis } from './support/redis.js';

function record(id: string, principal?: string, owner = 'replica-a'): SessionRecord {
  return {
    id,
    principal,
    createdAt: 1_000,
    lastActivityAt: 1_500,
    protocolVersion: '2025-11-25',
    clientInfo: { name: 'spec', version: '1' },
    initializeJson: '{"jsonrpc":"2.0","id":0,"method":"initialize"}',
    clientInitialized: false,
    stateJson: '{"subscriptions":["test://x"]}',
    owner,
  };
}

describe('RedisSessionRegistry', () => {
  let redis: TestRedis;
  const clients: Redis[] = [];
  let registry: RedisSessionRegistry;
  let prefix: string;
  let n = 0;

  const registryOn = (client: Redis) => new RedisSessionRegistry(client, prefix);
  const limits = { maxSessions: 1_000_000, maxSessionsPerPrincipal: null };

  beforeAll(async () => {
    redis = await startRedis();
  });
  beforeEach(() => {
    prefix = `${redis.keyPrefix}${++n}:`;
    const client = new Redis(redis.url);
    clients.push(client);
    registry = registryOn(client);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.quit()));
    await redis?.stop();
  });

  it('keeps a record as written, and reads it back with whether its owner is alive', async () => {
    expect(await registry.reserve(record('s1', 'alice'), 5_000, limits)).toBeUndefined();
    expect(await registry.lookup('s1', 0)).toEqual({
      record: record('s1', 'alice'),
      ownerAlive: false,
    });
    await registry.heartbeat('replica-a', 10_000);
    expect((await registry.lookup('s1', 0))?.ownerAlive).toBe(true);
    await registry.forgetReplica('replica-a');
    expect((await registry.lookup('s1', 0))?.ownerAlive).toBe(false);
    expect(await registry.lookup('unknown', 0)).toBeUndefined();
  });

  it('refuses a session past maxSessions or the principal quota, and counts removals back', async () => {
    const bounded = { maxSessions: 2, maxSessionsPerPrincipal: 1 };
    expect(await registry.reserve(record('a1', 'alice'), 5_000, bounded)).toBeUndefined();
    expect(await registry.reserve(record('a2', 'alice'), 5_000, bounded)).toBe('quota');
    expect(await registry.reserve(record('b1', 'bob'), 5_000, bounded)).toBeUndefined();
    expect(await registry.reserve(record('x1'), 5_000, bounded)).toBe('full');
    // A refused reservation writes nothing.
    expect(await registry.lookup('a2', 0)).toBeUndefined();
    expect(await registry.lookup('x1', 0)).toBeUndefined();

    expect(await registry.remove('a1', 'alice')).toBe(true);
    expect(await registry.remove('a1', 'alice')).toBe(false);
    expect(await registry.reserve(record('a2', 'alice'), 5_000, bounded)).toBeUndefined();
  });

  it('saves fields only for the owner, and hides a session past its deadline', async () => {
    await registry.reserve(record('s1'), 5_000, limits);
    await registry.update('s1', 'replica-b', { stateJson: '{"stale":true}' });
    await registry.update('s1', 'replica-a', { initialized: true, stateJson: '{"fresh":true}' });
    const saved = (await registry.lookup('s1', 4_999))!.record;
    expect(saved).toMatchObject({ clientInitialized: true, stateJson: '{"fresh":true}' });
    expect(await registry.lookup('s1', 5_000)).toBeUndefined();
    await registry.touch([['s1', 8_000, 3_000]]);
    expect((await registry.lookup('s1', 5_000))?.record.lastActivityAt).toBe(3_000);
  });

  it('refuses a new session whose id is taken', async () => {
    await registry.reserve(record('s1', 'alice'), 5_000, limits);
    await expect(registry.reserve(record('s1', 'bob', 'replica-b'), 5_000, limits)).rejects.toThrow(
      /already taken/,
    );
    expect((await registry.lookup('s1', 0))?.record).toEqual(record('s1', 'alice'));
  });

  it('moves ownership only from the owner the caller saw', async () => {
    await registry.reserve(record('s1'), 5_000, limits);
    expect(await registry.claim('s1', 'replica-b', 'replica-c')).toBe(false);
    expect(await registry.claim('s1', 'replica-a', 'replica-b')).toBe(true);
    expect(await registry.claim('s1', 'replica-a', 'replica-c')).toBe(false);
    expect((await registry.lookup('s1', 0))?.record.owner).toBe('replica-b');
    expect(await registry.claim('gone', 'replica-a', 'replica-b')).toBe('gone');

    await registry.release('s1', 'replica-c', '{"ignored":true}');
    expect((await registry.lookup('s1', 0))?.record.owner).toBe('replica-b');
    await registry.release('s1', 'replica-b', '{"saved":true}');
    const released = (await registry.lookup('s1', 0))!.record;
    expect(released.owner).toBe('');
    expect(released.stateJson).toBe('{"saved":true}');
  });

  it('never brings back a removed session when its fields or deadline are saved late', async () => {
    await registry.reserve(record('s1', 'alice'), 5_000, limits);
    await registry.remove('s1', 'alice');
    await registry.update('s1', 'replica-a', { initialized: true, stateJson: '{}' });
    await registry.touch([['s1', 9_000, 2_000]]);
    expect(await registry.lookup('s1', 0)).toBeUndefined();
    expect(await clients.at(-1)!.keys(`${prefix}*`)).toEqual([]);
  });

  it('hands each expired session to exactly one of many replicas sweeping at once', async () => {
    const expired = 500;
    for (let i = 0; i < expired; i++) {
      await registry.reserve(record(`e${i}`, i % 2 ? 'alice' : undefined), 1_000 + i, limits);
    }
    await registry.reserve(record('later'), 100_000, limits);
    await registry.reserve(record('never'), Infinity, limits);
    const sweepers = Array.from({ length: 4 }, () => {
      const client = new Redis(redis.url);
      clients.push(client);
      return registryOn(client);
    });
    const claimed = (
      await Promise.all(
        sweepers.map(async (sweeper) => {
          const ids: string[] = [];
          for (;;) {
            const batch = await sweeper.claimExpired(50_000, 37);
            ids.push(...batch.map((session) => session.id));
            if (batch.length < 37) return ids;
          }
        }),
      )
    ).flat();
    expect(claimed).toHaveLength(expired);
    expect(new Set(claimed).size).toBe(expired);
    expect(await registry.lookup('later', 0)).toBeDefined();
    expect(await registry.lookup('never', 0)).toBeDefined();
    expect(await registry.lookup('e7', 0)).toBeUndefined();
    // The principal's set was emptied with its sessions: alice may open sessions again.
    const quota = { maxSessions: 1_000, maxSessionsPerPrincipal: 1 };
    expect(await registry.reserve(record('fresh', 'alice'), 5_000, quota)).toBeUndefined();
  });

  it('reports what a claimed session was: owner, whether alive, principal, creation time', async () => {
    await registry.heartbeat('replica-a', 10_000);
    await registry.reserve(record('s1', 'alice'), 2_000, limits);
    await registry.reserve(record('s2', undefined, 'replica-z'), 2_000, limits);
    const claimed = await registry.claimExpired(3_000, 10);
    expect(claimed).toEqual(
      expect.arrayContaining([
        { id: 's1', owner: 'replica-a', ownerAlive: true, createdAt: 1_000, principal: 'alice' },
        { id: 's2', owner: 'replica-z', ownerAlive: false, createdAt: 1_000, principal: undefined },
      ]),
    );
  });
});
