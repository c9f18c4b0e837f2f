import { Redis } from 'ioredis';
import { type RunningSample, startSample } from '../../scripts/soak-lib.mjs';
import {
  MCP_POST_HEADERS,
  rawRequest,
  type RawResponse,
  sessionHeaders,
  sseMessages,
} from './http.js';
import { startRedis, type TestRedis } from './redis.js';
import { toolCall } from './reliability.js';

/** A replica of the sample, started with the cluster on Redis. */
export interface Replica extends RunningSample {
  /** The id it joined the cluster with. */
  replicaId: string;
}

/** A Redis server and replicas of the sample sharing their sessions on it. */
export interface TestCluster {
  redis: TestRedis;
  replicas: Replica[];
  /** A client of the same Redis server, to look at what the cluster keeps there. */
  inspector: Redis;
  /** Stops whatever is still running. */
  stop(): Promise<void>;
}

const JOINED = /Joined the session cluster as replica (\S+)/;

/** Starts a private Redis server and `count` replicas of the sample with `MCP_SESSION_STORE=redis`. */
export async function startCluster(
  count: number,
  env: Record<string, string> = {},
): Promise<TestCluster> {
  const redis = await startRedis();
  const replicas: Replica[] = [];
  const inspector = new Redis(redis.url, { lazyConnect: true });
  const stop = async () => {
    await Promise.all(replicas.map((replica) => replica.stop('SIGKILL')));
    inspector.disconnect();
    await redis.stop();
  };
  try {
    await inspector.connect();
    for (let i = 0; i < count; i++) {
      const sample = await startSample({
        env: {
          MCP_SESSION_STORE: 'redis',
          REDIS_URL: redis.url,
          MCP_REDIS_KEY_PREFIX: redis.keyPrefix,
          ...env,
        },
      });
      const joined = JOINED.exec(sample.output());
      if (!joined) throw new Error(`replica ${i} did not join the cluster: ${sample.output()}`);
      replicas.push(Object.assign(sample, { replicaId: joined[1] }));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { redis, replicas, inspector, stop };
}

/**
 * Starts a cluster before the specs of the enclosing `describe` and stops it after them; returns
 * a getter for it.
 */
export function useCluster(count: number, env: Record<string, string> = {}): () => TestCluster {
  let cluster: TestCluster | undefined;
  beforeAll(async () => {
    cluster = await startCluster(count, env);
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });
  return () => cluster!;
}

/** A request the rotating fetch sent: where, and what. */
export interface RotatedRequest {
  origin: string;
  method: string;
  lastEventId: string | null;
}

/**
 * A `fetch` for the SDK client that sends each request to the next of `urls` in turn, whatever
 * origin the client thinks it talks to: what a load balancer without session affinity does.
 * With `openOn`, the first request (`initialize`) goes there, so that replica holds the session,
 * and only the later ones rotate over `urls`. `targets` lists the rotated requests.
 */
export function rotatingFetch(
  urls: string[],
  openOn?: string,
): typeof fetch & { targets: RotatedRequest[] } {
  const targets: RotatedRequest[] = [];
  let next = 0;
  let opened = openOn === undefined;
  const rotating = (input: string | URL | Request, init?: RequestInit) => {
    const original = new URL(input instanceof Request ? input.url : input);
    const target = new URL(opened ? urls[next++ % urls.length] : openOn!);
    target.pathname = original.pathname;
    target.search = original.search;
    if (opened) {
      targets.push({
        origin: target.origin,
        method: init?.method ?? 'GET',
        lastEventId: new Headers(init?.headers).get('last-event-id'),
      });
    }
    opened = true;
    return fetch(target, init);
  };
  return Object.assign(rotating, { targets });
}

/** `tools/call echo` with `text`, on a session, through the replica at `url`. */
export function echoVia(url: string, sessionId: string, text: string): Promise<RawResponse> {
  return rawRequest(url, {
    headers: { ...MCP_POST_HEADERS, ...sessionHeaders(sessionId) },
    body: toolCall('echo', { text }),
  });
}

/** The text an echo answered over SSE. */
export function echoedText(reply: RawResponse): string {
  return sseMessages(reply.text).at(-1).result.content[0].text;
}

/** The Redis keys of the cluster that name `sessionId`. */
export async function keysOf(cluster: TestCluster, sessionId: string): Promise<string[]> {
  const keys = await cluster.inspector.keys(`${cluster.redis.keyPrefix}*`);
  return keys.filter((key) => key.includes(sessionId));
}

/** The replica that owns `sessionId`, according to the registry. */
export async function ownerOf(cluster: TestCluster, sessionId: string): Promise<string | null> {
  return cluster.inspector.hget(`${cluster.redis.keyPrefix}session:${sessionId}`, 'owner');
}
