// Load generation against the built sample (build/sample/main.js), shared by `npm run soak`
// (scripts/soak.mjs) and the CI-sized spec (test/reliability/soak.e2e.spec.ts). Types are in
// soak-lib.d.mts. Loopback only; every loop is bounded by a deadline.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';

const SAMPLE_MAIN = fileURLToPath(new URL('../build/sample/main.js', import.meta.url));
const PROBE = fileURLToPath(new URL('./soak-probe.mjs', import.meta.url));

export const PROTOCOL_VERSION = '2025-11-25';
const POST_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

/**
 * Starts the built sample on a free loopback port and waits for its ready line. With `probe`, it
 * runs with scripts/soak-probe.mjs preloaded, and `probe()` returns its memory and session count
 * (`probe({ hibernate: true })` hibernates every quiet session first).
 */
export async function startSample({ env = {}, probe = false, readyTimeoutMs = 30_000 } = {}) {
  if (!existsSync(SAMPLE_MAIN)) {
    throw new Error(`${SAMPLE_MAIN} is missing: run "npm run build:sample" first`);
  }
  const childEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', NO_COLOR: '1', ...env };
  // Jest's --experimental-vm-modules is not the sample's business.
  delete childEnv.NODE_OPTIONS;
  const args = probe ? ['--expose-gc', '--import', PROBE, SAMPLE_MAIN] : [SAMPLE_MAIN];
  const child = spawn(process.execPath, args, {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe', ...(probe ? ['ipc'] : [])],
  });
  let output = '';
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const pending = new Map();
  let nextProbe = 0;
  child.on('message', (message) => {
    const waiter = pending.get(message?.id);
    if (message?.type === 'probe' && waiter) {
      pending.delete(message.id);
      waiter(message);
    }
  });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the sample was not ready within ${readyTimeoutMs} ms: ${output}`));
    }, readyTimeoutMs);
    const onData = (chunk) => {
      output += chunk.toString();
      const match = /MCP endpoint ready at (http:\/\/\S+)\/mcp/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the sample exited (${code ?? signal}) before it was ready: ${output}`));
    });
  });
  return {
    child,
    url,
    output: () => output,
    exited,
    probe({ gc = true, hibernate = false, timeoutMs = 10_000 } = {}) {
      if (!probe) return Promise.reject(new Error('started without the probe'));
      const id = ++nextProbe;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error('the probe did not answer'));
        }, timeoutMs);
        pending.set(id, (sample) => {
          clearTimeout(timer);
          resolve(sample);
        });
        child.send({ type: hibernate ? 'hibernate' : 'probe', id, gc });
      });
    },
    /** Sends `signal` and resolves with the exit; SIGKILLs after `timeoutMs`. */
    async stop(signal = 'SIGTERM', timeoutMs = 30_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    },
  };
}

/** One POST with a bounded wait; resolves with the status, headers and text. */
export function post(baseUrl, { headers = {}, body, agent, timeoutMs = 30_000, method = 'POST' }) {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL('/mcp', baseUrl),
      { method, headers: { ...POST_HEADERS, ...headers }, agent: agent ?? false },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf-8'),
          });
        });
        res.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    if (body === undefined) req.end();
    else {
      req.setHeader('content-length', Buffer.byteLength(body));
      req.end(body);
    }
  });
}

/** The last JSON-RPC message of an SSE body (or a JSON body). */
function lastMessage(text) {
  const data = text
    .split('\n')
    .filter((line) => line.startsWith('data: ') && line.length > 'data: '.length + 1);
  if (data.length === 0) return text.trim().startsWith('{') ? JSON.parse(text) : undefined;
  return JSON.parse(data.at(-1).slice('data: '.length));
}

/** Opens a session (initialize, then the initialized notification); returns its id. */
export async function openSession(baseUrl, agent) {
  const init = await post(baseUrl, {
    agent,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: PROTOCOL_VERSION,
        capabilities: {},
        clientInfo: { name: 'soak', version: '1.0.0' },
      },
    }),
  });
  const id = init.headers['mcp-session-id'];
  if (init.status !== 200 || typeof id !== 'string') {
    throw new Error(`initialize answered ${init.status}: ${init.text.slice(0, 200)}`);
  }
  const notified = await post(baseUrl, {
    agent,
    headers: { 'mcp-session-id': id, 'mcp-protocol-version': PROTOCOL_VERSION },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  if (notified.status !== 202) throw new Error(`initialized answered ${notified.status}`);
  return id;
}

/** Calls a tool on a session; resolves with its result, rejects on any error. */
async function callTool(baseUrl, sessionId, name, args, { agent, id = 1 } = {}) {
  const res = await post(baseUrl, {
    agent,
    headers: { 'mcp-session-id': sessionId, 'mcp-protocol-version': PROTOCOL_VERSION },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name, arguments: args },
    }),
  });
  if (res.status !== 200) throw new Error(`tools/call ${name} answered ${res.status}`);
  const message = lastMessage(res.text);
  if (!message || message.id !== id || !message.result) {
    throw new Error(`tools/call ${name} got ${res.text.slice(0, 200)}`);
  }
  if (message.result.isError)
    throw new Error(`tools/call ${name} failed: ${res.text.slice(0, 200)}`);
  return message.result;
}

/** Runs `task` over `items` with at most `limit` at once. */
async function inParallel(items, limit, task) {
  const results = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index], index);
    }
  });
  await Promise.all(workers);
  return results;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Opens `sessions` sessions, `openConcurrency` at a time, then has every one call tools back to
 * back (echo, greet and a 10 ms sleep, each result checked) for `durationMs`. Each session has
 * its own keep-alive connection, opened with its session, as a real client has; the sessions
 * start calling over one second, not at once, so that connections the server has closed as idle
 * meanwhile are not all reopened in the same instant (a thousand connects at once overflow the
 * listen backlog, 511 in Node: a test of the kernel rather than of the module).
 * Sessions are left open, for the reaper. `onOpened` is called once they are all open, and
 * `onProgress` every `progressEveryMs`. Returns counts, errors, throughput and latencies.
 */
export async function runLoad({
  url,
  sessions,
  durationMs,
  openConcurrency = 50,
  onOpened,
  onProgress,
  progressEveryMs = 5000,
}) {
  const errors = new Map();
  const fail = (error) => {
    const key = String(error?.message ?? error)
      .replace(/[0-9a-f-]{36}/g, '<id>')
      .slice(0, 120);
    errors.set(key, (errors.get(key) ?? 0) + 1);
  };
  const agents = [];
  const latencies = [];
  let calls = 0;
  let deadline = 0;

  async function callUntilDeadline(sessionId, s, agent) {
    for (let n = 1; Date.now() < deadline; n++) {
      const kind = n % 10;
      const begin = performance.now();
      try {
        let expected;
        let result;
        if (kind < 6) {
          expected = `s${s}-${n}`;
          result = await callTool(url, sessionId, 'echo', { text: expected }, { agent, id: n });
        } else if (kind < 9) {
          expected = `Hello, s${s}!`;
          result = await callTool(url, sessionId, 'greet', { name: `s${s}` }, { agent, id: n });
        } else {
          expected = 'slept 10 ms';
          result = await callTool(url, sessionId, 'sleep', { ms: 10 }, { agent, id: n });
        }
        if (result.content?.[0]?.text !== expected)
          throw new Error('a tool returned a wrong result');
        calls++;
        latencies.push(performance.now() - begin);
      } catch (error) {
        fail(error);
      }
    }
  }

  const openStarted = Date.now();
  const opened = await inParallel(
    Array.from({ length: sessions }, (_, i) => i),
    openConcurrency,
    async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      agents.push(agent);
      try {
        return { id: await openSession(url, agent), agent };
      } catch (error) {
        fail(error);
        return undefined;
      }
    },
  );
  const ready = opened.filter((session) => session !== undefined);
  const ids = ready.map((session) => session.id);
  const openMs = Date.now() - openStarted;
  onOpened?.(ids.length);

  const started = Date.now();
  deadline = started + durationMs;
  const progress = setInterval(
    () => onProgress?.({ calls, errors: countErrors(errors) }),
    progressEveryMs,
  );
  try {
    await Promise.all(
      ready.map(async ({ id, agent }, s) => {
        await new Promise((resolve) => setTimeout(resolve, (s * 1000) / ready.length));
        await callUntilDeadline(id, s, agent);
      }),
    );
  } finally {
    clearInterval(progress);
    for (const agent of agents) agent.destroy();
  }
  const elapsedMs = Date.now() - started;
  latencies.sort((a, b) => a - b);
  return {
    sessionIds: ids,
    sessionsOpened: ids.length,
    openMs,
    calls,
    errors: countErrors(errors),
    errorKinds: Object.fromEntries(errors),
    elapsedMs,
    callsPerSecond: calls / (elapsedMs / 1000),
    latencyMs: {
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? 0,
    },
  };
}

function countErrors(errors) {
  let total = 0;
  for (const count of errors.values()) total += count;
  return total;
}

/** Polls the probe until the sample holds no session; resolves with the samples taken. */
export async function waitForReaped(sample, { timeoutMs = 60_000, everyMs = 500 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const probe = await sample.probe({ gc: false });
    if (probe.sessions === 0) return probe;
    if (Date.now() > deadline) {
      throw new Error(`${probe.sessions} session(s) still open after ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
