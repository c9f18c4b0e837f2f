import type { RedisClient } from '../redis/redis-client.js';
import { fromHashFields, toHashFields, type SessionRecord } from './session-record.js';

/** Why a session could not be reserved. */
export type ReservationRefusal = 'full' | 'quota';

/** Thrown when a new session's id is already taken: the session id generator repeats itself. */
export class SessionIdTakenError extends Error {}

/** A session the reaper claimed: it is gone from Redis, and this replica ends it. */
export interface ExpiredSession {
  id: string;
  principal: string | undefined;
  createdAt: number;
  owner: string;
  /** Whether the owner's heartbeat was still alive. */
  ownerAlive: boolean;
}

/**
 * Reserves a slot and writes the record, unless the cluster holds `maxSessions`, or the principal
 * its quota. KEYS: deadlines, record, principal set. ARGV: id, deadline, maxSessions, quota (0 for
 * none), whether there is a principal ('1'/'0'), then the record's fields and values.
 */
const RESERVE = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 3 end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 1 end
if ARGV[5] == '1' then
  if tonumber(ARGV[4]) > 0 and redis.call('SCARD', KEYS[3]) >= tonumber(ARGV[4]) then return 2 end
  redis.call('SADD', KEYS[3], ARGV[1])
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[2], unpack(ARGV, 6))
return 0`;

/**
 * The record and whether its owner is alive; nothing for a session past its deadline, which the
 * next sweep reaps. KEYS: record, deadlines. ARGV: replica key prefix, id, now.
 */
const LOOKUP = `
local deadline = redis.call('ZSCORE', KEYS[2], ARGV[2])
if not deadline or tonumber(deadline) <= tonumber(ARGV[3]) then return false end
local fields = redis.call('HGETALL', KEYS[1])
if #fields == 0 then return false end
local owner = redis.call('HGET', KEYS[1], 'owner')
local alive = '0'
if owner and owner ~= '' and redis.call('EXISTS', ARGV[1] .. owner) == 1 then alive = '1' end
table.insert(fields, alive)
return fields`;

/** Moves ownership from ARGV[1] to ARGV[2]: 1 done, 0 no record, -1 another owner. KEYS: record. */
const CLAIM = `
local owner = redis.call('HGET', KEYS[1], 'owner')
if not owner then return 0 end
if owner ~= ARGV[1] then return -1 end
redis.call('HSET', KEYS[1], 'owner', ARGV[2])
return 1`;

/** Gives up ownership held by ARGV[1], saving the state ARGV[2]. KEYS: record. */
const RELEASE = `
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'owner', '', 'state', ARGV[2])
end
return 0`;

/**
 * Removes a session; 1 when this call removed it, 0 when it was already gone. KEYS: deadlines,
 * record, principal set. ARGV: id, whether there is a principal.
 */
const REMOVE = `
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
if ARGV[2] == '1' then redis.call('SREM', KEYS[3], ARGV[1]) end
return removed`;

/**
 * Claims up to ARGV[2] sessions whose deadline is at or before ARGV[1], and removes them: ZREM
 * makes each claim happen once, on one replica. KEYS: deadlines. ARGV[3]: key prefix. Returns, per
 * session: id, owner, '1'/'0' owner alive, createdAt, principal prefixed with 'p' ('' when none).
 */
const CLAIM_EXPIRED = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, id in ipairs(ids) do
  if redis.call('ZREM', KEYS[1], id) == 1 then
    local record = ARGV[3] .. 'session:' .. id
    local f = redis.call('HMGET', record, 'owner', 'createdAt', 'principal')
    redis.call('DEL', record)
    local owner = f[1] or ''
    local alive = '0'
    if owner ~= '' and redis.call('EXISTS', ARGV[3] .. 'replica:' .. owner) == 1 then alive = '1' end
    local principal = ''
    if f[3] then
      principal = 'p' .. f[3]
      redis.call('SREM', ARGV[3] .. 'principal:' .. f[3], id)
    end
    table.insert(out, id)
    table.insert(out, owner)
    table.insert(out, alive)
    table.insert(out, f[2] or '0')
    table.insert(out, principal)
  end
end
return out`;

/**
 * Renews sessions that still exist: their deadline, and their last activity. KEYS: deadlines.
 * ARGV[1]: key prefix; then, per session: id, deadline, last activity.
 */
const TOUCH = `
for i = 2, #ARGV, 3 do
  local id = ARGV[i]
  if redis.call('ZSCORE', KEYS[1], id) then
    redis.call('ZADD', KEYS[1], ARGV[i + 1], id)
    redis.call('HSET', ARGV[1] .. 'session:' .. id, 'lastActivityAt', ARGV[i + 2])
  end
end
return 0`;

/**
 * Sets fields of a record while ARGV[1] owns it: a removed session never comes back in part, and a
 * replica that lost the session cannot overwrite what its new owner saves. KEYS: record.
 */
const UPDATE = `
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] then
  redis.call('HSET', KEYS[1], unpack(ARGV, 2))
end
return 0`;

/** What {@link RedisSessionRegistry.touch} renews of a session. */
export type SessionRenewal = [id: string, deadline: number, lastActivityAt: number];

type RegistryCommands = {
  mcpTouch(...args: Array<string | number>): Promise<number>;
  mcpUpdate(...args: string[]): Promise<number>;
  mcpReserve(...args: Array<string | number>): Promise<number>;
  mcpLookup(...args: string[]): Promise<string[] | null>;
  mcpClaim(...args: string[]): Promise<number>;
  mcpRelease(...args: string[]): Promise<number>;
  mcpRemove(...args: string[]): Promise<number>;
  mcpClaimExpired(...args: Array<string | number>): Promise<string[]>;
};

/**
 * The cluster's session registry on Redis: one hash per session (its record), a sorted set of
 * every session by the time it expires (which counts the cluster's sessions and lets exactly one
 * replica claim each expired one), a set per principal, and one heartbeat key per live replica.
 * Each operation that reads and writes is one Lua script, so replicas never race. The keys of
 * different sessions are not in one hash slot: the registry needs a single Redis server (or a
 * primary with replicas), not Redis Cluster.
 */
export class RedisSessionRegistry {
  private readonly commands: RegistryCommands;

  constructor(
    private readonly client: RedisClient,
    private readonly keyPrefix: string,
  ) {
    client.defineCommand('mcpReserve', { numberOfKeys: 3, lua: RESERVE });
    client.defineCommand('mcpLookup', { numberOfKeys: 2, lua: LOOKUP });
    client.defineCommand('mcpClaim', { numberOfKeys: 1, lua: CLAIM });
    client.defineCommand('mcpRelease', { numberOfKeys: 1, lua: RELEASE });
    client.defineCommand('mcpRemove', { numberOfKeys: 3, lua: REMOVE });
    client.defineCommand('mcpClaimExpired', { numberOfKeys: 1, lua: CLAIM_EXPIRED });
    client.defineCommand('mcpUpdate', { numberOfKeys: 1, lua: UPDATE });
    client.defineCommand('mcpTouch', { numberOfKeys: 1, lua: TOUCH });
    this.commands = client as unknown as RegistryCommands;
  }

  /**
   * Writes a new session's record, unless the cluster or its principal is at its limit.
   *
   * @throws SessionIdTakenError when a session with this id exists.
   */
  async reserve(
    record: SessionRecord,
    deadline: number,
    limits: { maxSessions: number; maxSessionsPerPrincipal: number | null },
  ): Promise<ReservationRefusal | undefined> {
    const outcome = await this.commands.mcpReserve(
      this.deadlinesKey,
      this.recordKey(record.id),
      this.principalKey(record.principal),
      record.id,
      score(deadline),
      limits.maxSessions,
      limits.maxSessionsPerPrincipal ?? 0,
      record.principal === undefined ? '0' : '1',
      ...toHashFields(record),
    );
    if (outcome === 3) throw new SessionIdTakenError(`Session id ${record.id} is already taken`);
    return outcome === 1 ? 'full' : outcome === 2 ? 'quota' : undefined;
  }

  /**
   * A session's record and whether its owner is alive; `undefined` when there is none, or when it
   * is past its deadline at `now`.
   */
  async lookup(
    id: string,
    now = Date.now(),
  ): Promise<{ record: SessionRecord; ownerAlive: boolean } | undefined> {
    const reply = await this.commands.mcpLookup(
      this.recordKey(id),
      this.deadlinesKey,
      this.replicaKey(''),
      id,
      String(now),
    );
    if (!reply) return undefined;
    const alive = reply.pop();
    return { record: fromHashFields(id, reply), ownerAlive: alive === '1' };
  }

  /** Takes ownership from `from` (a dead replica, or `''`); false if someone else owns it now. */
  async claim(id: string, from: string, to: string): Promise<boolean | 'gone'> {
    const outcome = await this.commands.mcpClaim(this.recordKey(id), from, to);
    return outcome === 0 ? 'gone' : outcome === 1;
  }

  /** Gives up ownership, if `owner` still has it, saving the session's state. */
  async release(id: string, owner: string, stateJson: string): Promise<void> {
    await this.commands.mcpRelease(this.recordKey(id), owner, stateJson);
  }

  /** Removes a session; true when this call removed it. */
  async remove(id: string, principal: string | undefined): Promise<boolean> {
    const removed = await this.commands.mcpRemove(
      this.deadlinesKey,
      this.recordKey(id),
      this.principalKey(principal),
      id,
      principal === undefined ? '0' : '1',
    );
    return removed === 1;
  }

  /** Claims and removes up to `limit` sessions expired at `now`. */
  async claimExpired(now: number, limit: number): Promise<ExpiredSession[]> {
    const flat = await this.commands.mcpClaimExpired(this.deadlinesKey, now, limit, this.keyPrefix);
    const expired: ExpiredSession[] = [];
    for (let i = 0; i + 4 < flat.length; i += 5) {
      expired.push({
        id: flat[i],
        owner: flat[i + 1],
        ownerAlive: flat[i + 2] === '1',
        createdAt: Number(flat[i + 3]),
        principal: flat[i + 4] === '' ? undefined : flat[i + 4].slice(1),
      });
    }
    return expired;
  }

  /** Renews the deadline and last activity of sessions that still exist. */
  async touch(sessions: SessionRenewal[]): Promise<void> {
    if (sessions.length === 0) return;
    await this.commands.mcpTouch(
      this.deadlinesKey,
      this.keyPrefix,
      ...sessions.flatMap(([id, deadline, lastActivityAt]) => [
        id,
        score(deadline),
        lastActivityAt,
      ]),
    );
  }

  /** Updates fields of a session's record, while `owner` owns it. */
  async update(
    id: string,
    owner: string,
    fields: { initialized?: boolean; stateJson?: string },
  ): Promise<void> {
    const values: string[] = [];
    if (fields.initialized !== undefined)
      values.push('initialized', fields.initialized ? '1' : '0');
    if (fields.stateJson !== undefined) values.push('state', fields.stateJson);
    if (values.length === 0) return;
    await this.commands.mcpUpdate(this.recordKey(id), owner, ...values);
  }

  /** Sessions of `ids` whose record no longer names `owner` (gone, or owned by another replica). */
  async notOwnedBy(ids: string[], owner: string): Promise<string[]> {
    if (ids.length === 0) return [];
    const pipeline = this.client.pipeline();
    for (const id of ids) pipeline.hget(this.recordKey(id), 'owner');
    const results = (await pipeline.exec()) ?? [];
    return ids.filter((_, i) => results[i]?.[1] !== owner);
  }

  /** Marks `replica` alive for `ttlMs`. */
  async heartbeat(replica: string, ttlMs: number): Promise<void> {
    await this.client.set(this.replicaKey(replica), '1', 'PX', ttlMs);
  }

  /** Marks `replica` gone at once, so that others take over its sessions without waiting. */
  async forgetReplica(replica: string): Promise<void> {
    await this.client.del(this.replicaKey(replica));
  }

  /** The replicas of `replicas` whose heartbeat is alive. */
  async aliveOf(replicas: string[]): Promise<Set<string>> {
    if (replicas.length === 0) return new Set();
    const pipeline = this.client.pipeline();
    for (const replica of replicas) pipeline.exists(this.replicaKey(replica));
    const results = (await pipeline.exec()) ?? [];
    return new Set(replicas.filter((_, i) => results[i]?.[1] === 1));
  }

  private get deadlinesKey(): string {
    return `${this.keyPrefix}deadlines`;
  }

  private recordKey(id: string): string {
    return `${this.keyPrefix}session:${id}`;
  }

  private principalKey(principal: string | undefined): string {
    return `${this.keyPrefix}principal:${principal ?? ''}`;
  }

  private replicaKey(replica: string): string {
    return `${this.keyPrefix}replica:${replica}`;
  }
}

/** A deadline as a sorted-set score: sessions that never expire sort last. */
function score(deadline: number): string {
  return Number.isFinite(deadline) ? String(deadline) : '+inf';
}
