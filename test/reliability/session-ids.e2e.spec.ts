import { randomUUID } from 'node:crypto';
import { resolveMcpSessionOptions } from '../../src/options/mcp-session-options.resolver.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { MCP_POST_HEADERS, initializeBody, rawRequest } from '../support/http.js';

/**
 * Session ids are the only credential of an anonymous session, so they must be unguessable: drawn
 * from a CSPRNG with at least 122 bits of entropy. The default generator is Node's
 * `crypto.randomUUID` (RFC 4122 version 4: 122 random bits from the CSPRNG). Principal binding
 * and DNS-rebinding protection, the other half of "no one gets into a session that is not theirs",
 * are covered in test/principal-binding.e2e.spec.ts and test/wire-behaviour.e2e.spec.ts (rule 13).
 */

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The 122 random bits of a v4 UUID: 128 bits less the 4 version and 2 variant bits. */
function randomBits(uuid: string): number[] {
  const hex = uuid.replace(/-/g, '');
  const bits: number[] = [];
  for (let nibble = 0; nibble < 32; nibble++) {
    const value = parseInt(hex[nibble], 16);
    for (let bit = 3; bit >= 0; bit--) {
      const index = nibble * 4 + (3 - bit);
      const isVersion = index >= 48 && index < 52;
      const isVariant = index === 64 || index === 65;
      if (!isVersion && !isVariant) bits.push((value >> bit) & 1);
    }
  }
  return bits;
}

describe('session ids', () => {
  it('come from crypto.randomUUID by default', () => {
    expect(resolveMcpSessionOptions({}).sessionIdGenerator).toBe(randomUUID);
  });

  it('are v4 UUIDs: 122 random bits each, unique and balanced over 20 000 draws', () => {
    const { sessionIdGenerator } = resolveMcpSessionOptions({});
    const draws = 20_000;
    const ones = new Array<number>(122).fill(0);
    const seen = new Set<string>();
    const malformed: string[] = [];
    for (let i = 0; i < draws; i++) {
      const id = sessionIdGenerator();
      if (!UUID_V4.test(id)) malformed.push(id);
      seen.add(id);
      randomBits(id).forEach((bit, position) => (ones[position] += bit));
    }
    expect(malformed).toEqual([]);
    expect(seen.size).toBe(draws);
    // Each random bit is set in about half of the draws: a binomial(n, 1/2) count has a standard
    // deviation of sqrt(n)/2 ≈ 71. Six of them is a bound a fair source misses with
    // probability ~2e-9 per bit, yet a stuck or biased bit (say 55 %) fails it.
    const sigma = Math.sqrt(draws) / 2;
    const worst = Math.max(...ones.map((count) => Math.abs(count - draws / 2)));
    expect(worst).toBeLessThan(6 * sigma);
  });

  it('consecutive ids share about half their random bits, as independent draws do', () => {
    const { sessionIdGenerator } = resolveMcpSessionOptions({});
    let previous = randomBits(sessionIdGenerator());
    let differing = 0;
    const pairs = 5000;
    for (let i = 0; i < pairs; i++) {
      const next = randomBits(sessionIdGenerator());
      differing += next.filter((bit, position) => bit !== previous[position]).length;
      previous = next;
    }
    // Mean 61, standard deviation of the mean sqrt(122/4/5000) ≈ 0.08.
    expect(Math.abs(differing / pairs - 61)).toBeLessThan(1);
  });

  describe('issued over HTTP', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ options: { maxSessions: 1000 } });
    });
    afterAll(() => t.close());

    it('are distinct v4 UUIDs, and the event ids of their streams are unguessable too', async () => {
      const ids = new Set<string>();
      const streamTokens = new Set<string>();
      for (let batch = 0; batch < 10; batch++) {
        const replies = await Promise.all(
          Array.from({ length: 20 }, () =>
            rawRequest(t.url, { headers: MCP_POST_HEADERS, body: initializeBody() }),
          ),
        );
        for (const reply of replies) {
          expect(reply.status).toBe(200);
          const id = reply.headers['mcp-session-id'] as string;
          expect(id).toMatch(UUID_V4);
          ids.add(id);
          // Priming event ids are `<96-bit random token>.<sequence>`.
          const eventId = /^id: (\S+)$/m.exec(reply.text)![1];
          const [token, sequence] = eventId.split('.');
          expect(token).toMatch(/^[A-Za-z0-9_-]{16}$/);
          expect(sequence).toBe('1');
          streamTokens.add(token);
        }
      }
      expect(ids.size).toBe(200);
      expect(streamTokens.size).toBe(200);
      expect(t.manager.count()).toBe(200);
      expect(new Set(t.manager.list().map((s) => s.id))).toEqual(ids);
      await t.manager.closeAll();
    });
  });
});
