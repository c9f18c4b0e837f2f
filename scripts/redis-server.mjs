// A private redis-server for the scripts (conformance, memory soak): on a unix socket in a
// temporary directory, keeping nothing on disk. Fails with the install hint when it is missing.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Starts redis-server; resolves with its socket path (a valid REDIS_URL) and `stop`. */
export async function startRedisServer() {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-redis-'));
  const socket = join(dir, 'redis.sock');
  const child = spawn(
    'redis-server',
    ['--port', '0', '--unixsocket', socket, '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise((resolve, reject) => {
    let output = '';
    child.once('error', (error) =>
      reject(
        error.code === 'ENOENT'
          ? new Error('redis-server is not installed: apt-get install redis-server')
          : error,
      ),
    );
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (/ready to accept connections/i.test(output)) resolve();
    });
    void exited.then((code) => reject(new Error(`redis-server exited (${code}): ${output}`)));
  });
  return {
    socket,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
