import { startRedis, type TestRedis } from '../../test/support/redis.js';
import { launch, type ChildServer } from '../lib/children.js';
import { fmt, log } from '../lib/log.js';
import { loadProblems, runLoad, type LoadResult } from '../lib/load.js';
import { boundedPool, ECHO_BODY, isEchoResult, McpHttp, SESSION_HEADERS } from '../lib/mcp-http.js';
import { roundOrder, SERVERS } from '../lib/servers.js';
import type { Scenario, ScenarioContext } from './scenario.js';

const ID = 'replicas';
const REPLICAS = 2;

/** How sessions are stored, and how the load reaches the replicas. */
interface Setup {
  key: string;
  label: string;
  store: 'memory' | 'redis';
  /** Share of each replica's connections that carry a session another replica holds. */
  foreignShare: number;
}

const SETUPS: readonly Setup[] = [
  { key: 'memory-affine', label: 'in-memory, affine', store: 'memory', foreignShare: 0 },
  { key: 'redis-affine', label: 'Redis, affine', store: 'redis', foreignShare: 0 },
  { key: 'redis-round-robin', label: 'Redis, round-robin', store: 'redis', foreignShare: 0.5 },
];

function startReplicas(setup: Setup, redis: TestRedis, tag: string): Promise<ChildServer[]> {
  const env = {
    ...SERVERS.ours.env('sse', 1_000),
    MCP_SESSION_STORE: setup.store,
    REDIS_URL: redis.url,
    MCP_REDIS_KEY_PREFIX: `${redis.keyPrefix}${tag}:`,
  };
  return Promise.all(
    Array.from({ length: REPLICAS }, (_, i) =>
      launch({ name: `ours-${setup.key}-${tag}-${i + 1}`, entry: 'ours.js', env }),
    ),
  );
}

/**
 * The sessions each replica's connections carry: each replica opens its share; with a foreign
 * share, that part of a replica's connections carries sessions the next replica holds.
 */
async function sessionsPerReplica(
  replicas: ChildServer[],
  setup: Setup,
  context: ScenarioContext,
): Promise<string[][]> {
  const perReplica = context.config.sessions / REPLICAS;
  const opened = await Promise.all(
    replicas.map(async (replica) => {
      const http = new McpHttp(replica.url, 16);
      try {
        return await boundedPool(perReplica, 16, context.deadline, () => http.openSession());
      } finally {
        http.destroy();
      }
    }),
  );
  const foreign = Math.round(perReplica * setup.foreignShare);
  return opened.map((own, i) => [
    ...own.slice(foreign),
    ...opened[(i + 1) % REPLICAS].slice(0, foreign),
  ]);
}

/** Drives every replica at once, each with its connections and sessions. */
async function loadAll(
  replicas: ChildServer[],
  sessions: string[][],
  durationSeconds: number,
): Promise<LoadResult[]> {
  return Promise.all(
    replicas.map((replica, i) =>
      runLoad({
        url: replica.url,
        connections: sessions[i].length,
        durationSeconds,
        body: ECHO_BODY,
        headers: SESSION_HEADERS,
        perConnectionHeaders: sessions[i].map((id) => ({ 'mcp-session-id': id })),
        verify: isEchoResult,
      }),
    ),
  );
}

async function measure(setup: Setup, redis: TestRedis, context: ScenarioContext, round: number) {
  const { config, results } = context;
  const replicas = await startReplicas(setup, redis, `r${round + 1}`);
  try {
    const sessions = await sessionsPerReplica(replicas, setup, context);
    // Every session answers through the replica whose connections will carry it.
    await Promise.all(
      replicas.map(async (replica, i) => {
        const http = new McpHttp(replica.url, 16);
        try {
          await boundedPool(sessions[i].length, 16, context.deadline, (j) =>
            http.echo(sessions[i][j]),
          );
        } finally {
          http.destroy();
        }
      }),
    );
    await loadAll(replicas, sessions, config.warmupSeconds);
    const cpu = () => Promise.all(replicas.map((replica) => replica.call<number>('cpu')));
    const cpuBefore = await cpu();
    const loads = await loadAll(replicas, sessions, config.measureSeconds);
    const cpuAfter = await cpu();
    const answered = loads.reduce((sum, r) => sum + r.ok + r.non2xx, 0);
    const cpuUsed = cpuAfter.reduce((sum, after, i) => sum + after - cpuBefore[i], 0);
    const throughput = loads.reduce((sum, r) => sum + r.okPerSecond, 0);
    const p50 = Math.max(...loads.map((r) => r.p50));
    const p99 = Math.max(...loads.map((r) => r.p99));
    const figure = (metric: string, label: string, unit: string, better: 'higher' | 'lower') => ({
      scenario: ID,
      metric: `${metric}-${setup.key}`,
      label: `${label}, ${setup.label}`,
      unit,
      better,
    });
    results.record(figure('throughput', 'Throughput', 'req/s', 'higher'), 'ours', throughput);
    results.record(figure('p50', 'Latency p50', 'ms', 'lower'), 'ours', p50);
    results.record(figure('p99', 'Latency p99', 'ms', 'lower'), 'ours', p99);
    results.record(
      figure('cpu-per-request', 'Replicas’ CPU time per request', 'µs', 'lower'),
      'ours',
      cpuUsed / answered,
    );
    const problems = loads.map(loadProblems).filter(Boolean).join('; ');
    if (problems) results.note(ID, `${setup.label}, round ${round + 1}: ${problems}`);
    return `${fmt(throughput)} req/s, p50 ${p50} ms, p99 ${p99} ms${problems ? ` (${problems})` : ''}`;
  } finally {
    await Promise.all(replicas.map((replica) => replica.stop()));
  }
}

/**
 * Two replicas of ours sharing their sessions on Redis, against two replicas with in-memory
 * sessions, with traffic that always reaches the replica holding the session (affine) and with
 * traffic that reaches it half of the time (what a round-robin balancer gives two replicas).
 */
export const replicas: Scenario = {
  id: ID,
  title: 'Two replicas: sessions on Redis against in-memory, affine and round-robin traffic',
  servers: ['ours'],
  method:
    `${REPLICAS} replicas of ours (SSE mode) run side by side with a private \`redis-server\`. ` +
    'Each replica opens half of 64 sessions, which it then holds. Affine: each replica’s 32 ' +
    'autocannon connections carry the sessions it holds, as a balancer with session affinity ' +
    'would send them. Round-robin: half of each replica’s connections carry sessions the other ' +
    'replica holds, so half of all requests are forwarded to the holder over Redis pub/sub, as ' +
    'a round-robin balancer in front of two replicas gives on average. In-memory: ' +
    '`MCP_SESSION_STORE=memory` (and the in-memory event store); Redis: ' +
    '`MCP_SESSION_STORE=redis` with its default Redis event store (every SSE event is also an ' +
    '`XADD`). Throughput is the sum over both replicas’ load generators; latency is the worse of ' +
    'the two; CPU time is both replicas’ (Redis’s own is not counted). Setups alternate in ' +
    'order between rounds; this scenario runs 2 rounds in a full run (its figures are the ' +
    'mean of the two), to keep the run within its time.',
  estimateSeconds: (c) =>
    c.replicaRounds * SETUPS.length * (c.warmupSeconds + c.measureSeconds + 6),
  run: async (context) => {
    if (!context.servers.includes('ours')) return;
    let redis: TestRedis;
    try {
      redis = await startRedis();
    } catch (error) {
      context.results.skip('ours', ID, (error as Error).message);
      return;
    }
    try {
      for (let round = 0; round < context.config.replicaRounds; round++) {
        for (const setup of roundOrder(SETUPS, round)) {
          if (Date.now() > context.deadline) throw new Error('the run is over its time budget');
          const label = `${ID} · round ${round + 1}/${context.config.replicaRounds} · ${setup.label}`;
          log.step(`${label} …`);
          log.detail(`${label}: ${await measure(setup, redis, context, round)}`);
        }
      }
      const throughput = (key: string) => context.results.value(ID, `throughput-${key}`, 'ours');
      const memory = throughput('memory-affine');
      context.results.note(
        ID,
        `Throughput on Redis / in-memory (medians): affine ${fmt(throughput('redis-affine') / memory, 2)}×, ` +
          `round-robin ${fmt(throughput('redis-round-robin') / memory, 2)}×.`,
      );
    } finally {
      await redis.stop();
    }
  },
};
