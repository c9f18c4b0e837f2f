import {
  post,
  runLoad,
  startSample,
  waitForReaped,
  type RunningSample,
} from '../../scripts/soak-lib.mjs';

/**
 * The CI-sized soak: 200 sessions calling tools back to back for 10 s against the built sample,
 * then idle until the reaper has removed every one. Asserts zero errors and that all sessions are
 * reaped; timing and memory are reported (npm run soak runs the full 1 000 × 60 s version).
 * The idle timeout stays well above the worst latency of a saturated 2-core machine, so that a
 * session whose next call is queued behind the load is not expired (see RELIABILITY.md).
 */

const SESSIONS = Number(process.env.SOAK_CI_SESSIONS ?? 200);
const SECONDS = Number(process.env.SOAK_CI_SECONDS ?? 10);
const IDLE_SECONDS = 8;

describe('soak (CI size)', () => {
  let sample: RunningSample | undefined;

  afterAll(async () => {
    await sample?.stop('SIGKILL');
  });

  it(`${SESSIONS} sessions for ${SECONDS} s: no errors, then every session reaped`, async () => {
    sample = await startSample({
      probe: true,
      env: {
        MCP_SESSION_IDLE_TIMEOUT: String(IDLE_SECONDS),
        MCP_REAP_INTERVAL: '1',
        MCP_SHUTDOWN_GRACE: '5',
      },
    });
    const start = await sample.probe();
    const load = await runLoad({ url: sample.url, sessions: SESSIONS, durationMs: SECONDS * 1000 });
    const loaded = await sample.probe();
    expect(load.errorKinds).toEqual({});
    expect(load.errors).toBe(0);
    expect(load.sessionsOpened).toBe(SESSIONS);
    expect(load.calls).toBeGreaterThan(SESSIONS);
    expect(loaded.sessions).toBe(SESSIONS);

    await waitForReaped(sample, { timeoutMs: (IDLE_SECONDS + 30) * 1000 });
    const reaped = await sample.probe();
    expect(reaped.sessions).toBe(0);
    for (const id of load.sessionIds.slice(0, 10)) {
      const res = await post(sample.url, {
        headers: { 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      });
      expect(res.status).toBe(404);
    }

    const exit = await sample.stop('SIGTERM');
    expect(exit.code).toBe(0);
    expect(sample.output()).not.toMatch(/ERROR|Unhandled|Uncaught/);
    const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
    console.log(
      `soak (CI): ${load.calls} calls in ${(load.elapsedMs / 1000).toFixed(1)} s ` +
        `(${load.callsPerSecond.toFixed(0)}/s, p99 ${load.latencyMs.p99.toFixed(0)} ms); ` +
        `heap used ${mib(start.heapUsed)} → ${mib(loaded.heapUsed)} → ${mib(reaped.heapUsed)} MiB, ` +
        `rss ${mib(start.rss)} → ${mib(loaded.rss)} → ${mib(reaped.rss)} MiB`,
    );
  }, 120_000);
});
