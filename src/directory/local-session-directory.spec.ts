import { fakeRequest } from '../../test/support/fakes.js';
import { McpSession } from '../session/mcp-session.js';
import { LocalSessionDirectory } from './local-session-directory.js';
import type { SessionBounds } from './session-bounds.js';

function directory(bounds: Partial<SessionBounds> = {}): LocalSessionDirectory {
  return new LocalSessionDirectory({
    maxSessions: 10,
    maxSessionsPerPrincipal: null,
    reapIntervalMs: 10_000,
    limits: { idleMs: 60_000, lifetimeMs: null },
    ...bounds,
  });
}

/** A session reserved and held. */
async function open(dir: LocalSessionDirectory, id: string, principal?: string, now = Date.now()) {
  const session = new McpSession(id, principal, now);
  expect(await dir.reserve(session)).toBeUndefined();
  dir.admit(session);
  return session;
}

describe('LocalSessionDirectory', () => {
  it('refuses a session past maxSessions with 503 and Retry-After, counting those opening', async () => {
    const dir = directory({ maxSessions: 2, reapIntervalMs: 5_000 });
    await open(dir, 'a');
    expect(await dir.reserve(new McpSession('b', undefined, 0))).toBeUndefined();

    const refused = await dir.reserve(new McpSession('c', undefined, 0));

    expect(refused).toMatchObject({ status: 503, headers: { 'Retry-After': '5' } });
  });

  it('gives a reservation back when the session does not open', async () => {
    const dir = directory({ maxSessions: 1 });
    const failed = new McpSession('a', undefined, 0);
    await dir.reserve(failed);
    await dir.cancel(failed);

    expect(await dir.reserve(new McpSession('b', undefined, 0))).toBeUndefined();
    expect(dir.held.size).toBe(0);
  });

  it("refuses a principal's session past its quota with 429, and counts no anonymous one", async () => {
    const dir = directory({ maxSessionsPerPrincipal: 1 });
    await open(dir, 'a', 'alice');
    await open(dir, 'b');
    await open(dir, 'c');

    expect(await dir.reserve(new McpSession('d', 'alice', 0))).toMatchObject({ status: 429 });
    expect(await dir.reserve(new McpSession('e', 'bob', 0))).toBeUndefined();
  });

  it('resolves a held session for its principal only, and anything else as 404', async () => {
    const dir = directory();
    const session = await open(dir, 'a', 'alice');

    expect(await dir.resolve(fakeRequest({ principal: 'alice' }), 'a')).toEqual({
      kind: 'held',
      session,
    });
    for (const [principal, id] of [
      ['bob', 'a'],
      [undefined, 'a'],
      ['alice', 'unknown'],
    ] as const) {
      expect(await dir.resolve(fakeRequest({ principal }), id)).toMatchObject({
        kind: 'refused',
        error: { status: 404 },
      });
    }
  });

  it('resolves a session past its idle timeout as expired, before any sweep', async () => {
    const dir = directory({ limits: { idleMs: 1_000, lifetimeMs: null } });
    const session = await open(dir, 'a', undefined, Date.now() - 2_000);

    expect(await dir.resolve(fakeRequest(), 'a')).toEqual({
      kind: 'expired',
      session,
      reason: 'idle',
    });
  });

  it('has no session elsewhere: forwarding answers 404', async () => {
    expect(await directory().forward()).toMatchObject({ error: { status: 404 } });
  });

  it('retires a session once', async () => {
    const dir = directory();
    const session = await open(dir, 'a');

    expect(dir.retire(session)).toBe(true);
    expect(dir.retire(session)).toBe(false);
    expect(dir.held.get('a')).toBeUndefined();
  });

  it('reaps the sessions over their idle timeout or lifetime, with the reason', async () => {
    const dir = directory({ limits: { idleMs: 1_000, lifetimeMs: 10_000 } });
    const now = Date.now();
    const idle = await open(dir, 'idle', undefined, now - 2_000);
    const old = await open(dir, 'old', undefined, now - 20_000);
    await open(dir, 'fresh', undefined, now);
    old.begin({} as never, 'request', now);

    const expired = await dir.reapExpired(now);

    expect(expired).toEqual(
      expect.arrayContaining([
        { kind: 'held', session: idle, reason: 'idle' },
        { kind: 'held', session: old, reason: 'expired' },
      ]),
    );
    expect(expired).toHaveLength(2);
  });

  it('terminates its sessions at shutdown and lets none go early', () => {
    const dir = directory();

    expect(dir.retirementAtShutdown).toBe('terminate');
    expect(dir.drain()).toEqual([]);
  });
});
