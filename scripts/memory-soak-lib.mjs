// Memory per request on one long-lived session, per mode: shared by `npm run soak:memory`
// (scripts/memory-soak.mjs, the full size) and the CI-sized spec
// (test/reliability/memory.e2e.spec.ts). Types are in memory-soak-lib.d.mts. Loopback only;
// every loop is bounded in count.
//
// Each mode starts the built sample (with the memory probe), opens one session, warms it up,
// reads the heap after a full GC, sends `requests` echo calls `concurrency` at a time on
// keep-alive connections, and reads the heap again. Growth divided by the requests is what a
// long-lived session costs per request; a leak shows as hundreds or thousands of bytes, while
// noise stays in the tens.
import { Agent } from 'node:http';
import { startRedisServer } from './redis-server.mjs';
import { PROTOCOL_VERSION, openSession, post, startSample } from './soak-lib.mjs';

/**
 * The modes measured. `stateless` calls without a session; `modern` calls as a 2026-07-28
 * client does (no session, the revision's `_meta` envelope and headers); `hibernateEvery` hibernates the session
 * (through the same `SessionManager.hibernate` the reaper calls) after every so many requests, so
 * that the next request wakes it; `replicas: 2` sends every call to the replica that does not own
 * the session, which forwards it to the owner over Redis, and measures both.
 */
export const MEMORY_MODES = [
  { name: 'json', title: 'JSON responses', env: { MCP_JSON_RESPONSE: 'true' } },
  { name: 'sse', title: 'SSE, no event store', env: { MCP_EVENT_STORE: 'none' } },
  { name: 'sse-store', title: 'SSE, in-memory event store', env: {} },
  { name: 'stateless', title: 'stateless', env: { MCP_STATELESS: 'true' }, stateless: true },
  { name: 'modern', title: '2026-07-28 requests', env: {}, stateless: true, modern: true },
  {
    name: 'hibernation',
    title: 'hibernating and waking',
    env: { MCP_HIBERNATE_AFTER: '600' },
    hibernateEvery: 500,
  },
  {
    name: 'redis',
    title: 'two replicas on Redis, forwarded',
    env: { MCP_SESSION_STORE: 'redis' },
    replicas: 2,
  },
];

const MODERN_VERSION = '2026-07-28';

/** The `_meta` envelope of a 2026-07-28 request. */
const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'memory-soak', version: '1.0.0' },
};

/** An echo call, as a 2025-era client sends it or, with `modern`, a 2026-07-28 client. */
const ECHO = (id, modern) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: {
      name: 'echo',
      arguments: { text: `m${id}` },
      ...(modern && { _meta: MODERN_META }),
    },
  });

/** The echoed text of an SSE or JSON answer to an echo call. */
function echoed(text) {
  const data = text.split('\n').filter((line) => line.startsWith('data: {'));
  const message = JSON.parse(data.length > 0 ? data.at(-1).slice(6) : text);
  return message.result?.content?.[0]?.text;
}

/**
 * Sends echo calls numbered `from` to `to - 1`, `concurrency` at a time; calls `between(n)` (and
 * waits for it) after every `every` calls, while none is in flight. Returns the error count.
 */
async function sendCalls(url, headers, agent, { from, to, concurrency, every, between }) {
  let errors = 0;
  for (let start = from; start < to; start += every) {
    const end = Math.min(to, start + every);
    let next = start;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < end) {
          const id = next++;
          try {
            const body = ECHO(id, headers['mcp-protocol-version'] === MODERN_VERSION);
            const res = await post(url, { agent, headers, body });
            if (res.status !== 200 || echoed(res.text) !== `m${id}`) errors++;
          } catch {
            errors++;
          }
        }
      }),
    );
    if (between && end < to) await between();
  }
  return errors;
}

/**
 * Measures one mode. Returns, for each process measured (`owner`, and `forwarder` with
 * replicas), the heap before and after and the bytes per request; plus the request and error
 * counts and the sessions each process holds at the end.
 */
export async function measureMode(mode, { requests, warmup, concurrency = 8 }) {
  const redis = mode.replicas ? await startRedisServer() : undefined;
  const samples = [];
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    const env = { ...mode.env, MCP_SHUTDOWN_GRACE: '2' };
    if (redis) env.REDIS_URL = redis.socket;
    for (let i = 0; i < (mode.replicas ?? 1); i++) {
      samples.push(await startSample({ env, probe: true }));
    }
    const [owner, forwarder] = samples;
    const target = forwarder ?? owner;
    const headers = mode.modern
      ? { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': 'tools/call', 'mcp-name': 'echo' }
      : { 'mcp-protocol-version': PROTOCOL_VERSION };
    if (!mode.stateless) headers['mcp-session-id'] = await openSession(owner.url, agent);

    const hibernations = { count: 0 };
    const between = mode.hibernateEvery
      ? async () => {
          const probe = await owner.probe({ gc: false, hibernate: true });
          if (probe.hibernated !== 1) throw new Error('the session did not hibernate');
          hibernations.count++;
        }
      : undefined;
    const every = mode.hibernateEvery ?? requests;
    const warm = { from: 0, to: warmup, concurrency, every: Math.min(every, warmup), between };
    let errors = await sendCalls(target.url, headers, agent, warm);
    if (between) await between();
    const before = await Promise.all(samples.map((sample) => sample.probe()));
    const measured = { from: warmup, to: warmup + requests, concurrency, every, between };
    errors += await sendCalls(target.url, headers, agent, measured);
    if (between) await between();
    const after = await Promise.all(samples.map((sample) => sample.probe()));

    const processes = samples.map((_, i) => ({
      role: i === 0 ? 'owner' : 'forwarder',
      heapBefore: before[i].heapUsed,
      heapAfter: after[i].heapUsed,
      bytesPerRequest: (after[i].heapUsed - before[i].heapUsed) / requests,
      sessions: after[i].sessions,
    }));
    return {
      mode: mode.name,
      title: mode.title,
      requests,
      errors,
      hibernations: hibernations.count,
      processes,
    };
  } finally {
    agent.destroy();
    await Promise.all(samples.map((sample) => sample.stop('SIGTERM')));
    await redis?.stop();
  }
}
