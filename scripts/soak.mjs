// Soak test: `npm run soak` builds the sample, starts it with a short idle timeout and the memory
// probe preloaded, opens SOAK_SESSIONS sessions that call tools back to back for SOAK_SECONDS,
// then waits, idle, until the reaper has removed them all. Memory (after a forced GC) and the live
// session count are sampled every SOAK_SAMPLE_SECONDS throughout. Prints a report (Markdown) and,
// with SOAK_REPORT=<file>, writes it as JSON. Exits non-zero on any error or a session not reaped.
//
// Environment (defaults): SOAK_SESSIONS (1000), SOAK_SECONDS (60), SOAK_IDLE_TIMEOUT (20, in
// seconds), SOAK_REAP_INTERVAL (2), SOAK_SAMPLE_SECONDS (5), SOAK_REST_SECONDS (30: sampling goes
// on this long after the reaper, while the process returns memory to the OS), SOAK_REPORT (unset).
import { writeFileSync } from 'node:fs';
import { PROTOCOL_VERSION, post, runLoad, startSample, waitForReaped } from './soak-lib.mjs';

const SESSIONS = Number(process.env.SOAK_SESSIONS ?? 1000);
const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const IDLE_TIMEOUT = Number(process.env.SOAK_IDLE_TIMEOUT ?? 20);
const REAP_INTERVAL = Number(process.env.SOAK_REAP_INTERVAL ?? 2);
const SAMPLE_SECONDS = Number(process.env.SOAK_SAMPLE_SECONDS ?? 5);
const REST_SECONDS = Number(process.env.SOAK_REST_SECONDS ?? 30);
const REPORT = process.env.SOAK_REPORT;

const MiB = 1024 * 1024;
const mib = (bytes) => (bytes / MiB).toFixed(1);
const log = (line) => process.stdout.write(`${line}\n`);

const sample = await startSample({
  probe: true,
  env: {
    MCP_SESSION_IDLE_TIMEOUT: String(IDLE_TIMEOUT),
    MCP_REAP_INTERVAL: String(REAP_INTERVAL),
    MCP_MAX_SESSIONS: String(Math.max(SESSIONS * 2, 10_000)),
    MCP_SHUTDOWN_GRACE: '5',
  },
});
log(`sample at ${sample.url} (pid ${sample.child.pid}); ${SESSIONS} sessions for ${SECONDS} s`);

const started = Date.now();
let phase = 'start';
const samples = [];
async function takeSample() {
  const probe = await sample.probe({ gc: true });
  const row = {
    t: Math.round((probe.at - started) / 1000),
    phase,
    sessions: probe.sessions,
    rss: probe.rss,
    heapUsed: probe.heapUsed,
    heapTotal: probe.heapTotal,
    external: probe.external,
  };
  samples.push(row);
  log(
    `  t=${String(row.t).padStart(3)} s  ${phase.padEnd(6)} sessions=${String(row.sessions).padStart(5)}  ` +
      `rss=${mib(row.rss)} MiB  heapUsed=${mib(row.heapUsed)} MiB`,
  );
}
await takeSample();
let sampling = Promise.resolve();
const sampler = setInterval(() => {
  sampling = sampling.then(takeSample).catch((error) => log(`  sample failed: ${error.message}`));
}, SAMPLE_SECONDS * 1000);

let load;
let reaped = false;
let stillOpenAfterReap;
let exit;
try {
  phase = 'open';
  load = await runLoad({
    url: sample.url,
    sessions: SESSIONS,
    durationMs: SECONDS * 1000,
    onOpened: () => (phase = 'load'),
  });
  log(
    `load: ${load.sessionsOpened} sessions opened in ${load.openMs} ms; ${load.calls} calls in ` +
      `${(load.elapsedMs / 1000).toFixed(1)} s = ${load.callsPerSecond.toFixed(0)} calls/s; ` +
      `${load.errors} errors; latency p50 ${load.latencyMs.p50.toFixed(1)} ms, ` +
      `p99 ${load.latencyMs.p99.toFixed(1)} ms, max ${load.latencyMs.max.toFixed(1)} ms`,
  );
  phase = 'idle';
  const reapStarted = Date.now();
  await waitForReaped(sample, { timeoutMs: (IDLE_TIMEOUT + 10 * REAP_INTERVAL + 30) * 1000 });
  reaped = true;
  log(
    `reaped: every session gone ${((Date.now() - reapStarted) / 1000).toFixed(1)} s after the load`,
  );
  // Reaped sessions are gone for their clients too.
  const probeIds = load.sessionIds.slice(0, 20);
  const answers = await Promise.all(
    probeIds.map((id) =>
      post(sample.url, {
        headers: { 'mcp-session-id': id, 'mcp-protocol-version': PROTOCOL_VERSION },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      }).then((res) => res.status),
    ),
  );
  stillOpenAfterReap = answers.filter((status) => status !== 404).length;
  phase = 'reaped';
  // Samples at rest, after the reaper.
  await new Promise((resolve) => setTimeout(resolve, REST_SECONDS * 1000 + 100));
} finally {
  clearInterval(sampler);
  await sampling;
  exit = await sample.stop('SIGTERM');
}
printReport();

function printReport() {
  const first = samples[0];
  const loadSamples = samples.filter((s) => s.phase === 'open' || s.phase === 'load');
  const last = samples.at(-1);
  const peak = (key, rows) => Math.max(...rows.map((s) => s[key]));
  const unhandled = /ERROR|Unhandled|Uncaught/.test(sample.output());
  const report = {
    sessions: SESSIONS,
    seconds: SECONDS,
    idleTimeout: IDLE_TIMEOUT,
    reapInterval: REAP_INTERVAL,
    eventStore: process.env.MCP_EVENT_STORE ?? 'memory',
    load,
    reaped,
    stillOpenAfterReap,
    exit,
    unhandledErrorsLogged: unhandled,
    samples,
  };
  log('');
  log(`## Soak: ${SESSIONS} sessions, ${SECONDS} s of tool calls, then idle until reaped`);
  log('');
  log(
    `- Node ${process.version}, ${new Date().toISOString()}; idle timeout ${IDLE_TIMEOUT} s, reap ` +
      `every ${REAP_INTERVAL} s, event store ${process.env.MCP_EVENT_STORE ?? 'memory'}`,
  );
  log(`- errors: ${load?.errors ?? 'n/a'} ${load?.errors ? JSON.stringify(load.errorKinds) : ''}`);
  log(
    `- throughput: ${load?.calls ?? 0} calls in ${((load?.elapsedMs ?? 0) / 1000).toFixed(1)} s = ` +
      `${(load?.callsPerSecond ?? 0).toFixed(0)} calls/s; latency p50 ${load?.latencyMs.p50.toFixed(1)} ms, ` +
      `p90 ${load?.latencyMs.p90.toFixed(1)} ms, p99 ${load?.latencyMs.p99.toFixed(1)} ms`,
  );
  log(`- all sessions reaped: ${reaped} (old ids answered other than 404: ${stillOpenAfterReap})`);
  log(
    `- memory: rss ${mib(first.rss)} MiB at start, peak ${mib(peak('rss', loadSamples.length ? loadSamples : samples))} MiB under load, ` +
      `${mib(last.rss)} MiB after reaping; heapUsed ${mib(first.heapUsed)} → peak ` +
      `${mib(peak('heapUsed', loadSamples.length ? loadSamples : samples))} → ${mib(last.heapUsed)} MiB`,
  );
  log(`- exit on SIGTERM: code ${exit?.code}; unhandled errors logged: ${unhandled}`);
  log('');
  log('| t (s) | phase | sessions | RSS (MiB) | heap used (MiB) | heap total (MiB) |');
  log('| ---: | --- | ---: | ---: | ---: | ---: |');
  for (const s of samples) {
    log(
      `| ${s.t} | ${s.phase} | ${s.sessions} | ${mib(s.rss)} | ${mib(s.heapUsed)} | ${mib(s.heapTotal)} |`,
    );
  }
  if (REPORT) writeFileSync(REPORT, `${JSON.stringify(report, null, 2)}\n`);
  const ok =
    load?.errors === 0 && reaped && stillOpenAfterReap === 0 && exit?.code === 0 && !unhandled;
  if (!ok) {
    log('\nSOAK FAILED');
    process.exitCode = 1;
  }
}
