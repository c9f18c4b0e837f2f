import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestRedis {
  url: string;
  /** A key prefix of this test's own, so that tests sharing a server never see each other's keys. */
  keyPrefix: string;
  stop: () => Promise<void>;
}

/** The module options of a replica that shares its sessions on `redis`. */
export function clusterOptions(redis: TestRedis) {
  return {
    sessionStore: 'redis' as const,
    redis: { url: redis.url, keyPrefix: redis.keyPrefix },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A Redis server for one spec: `REDIS_URL` when it is set, else a private `redis-server` on a free
 * loopback port, keeping nothing on disk.
 */
export async function startRedis(): Promise<TestRedis> {
  const keyPrefix = `test-${randomUUID()}:`;
  if (process.env.REDIS_URL) {
    return { url: process.env.REDIS_URL, keyPrefix, stop: async () => undefined };
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mcp-redis-'));
  const child: ChildProcess = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new Error(
              'redis-server is not installed: apt-get install redis-server (or set REDIS_URL)',
            )
          : error,
      ),
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    });
    void exited.then(() => reject(new Error(`redis-server exited: ${output}`)));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    keyPrefix,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
