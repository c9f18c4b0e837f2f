import { setTimeout as sleep } from 'node:timers/promises';
import type { MemorySample } from '../servers/probe.js';
import type { ChildServer } from './children.js';
import { boundedPool, type McpHttp } from './mcp-http.js';

export const MiB = 1024 * 1024;
/** One heap limit for every server whose memory is compared, large enough for 100 000 sessions. */
export const MEMORY_NODE_ARGS = ['--max-old-space-size=8192'];
/** A memory reading of the server, after forced garbage collection. */
export function readMemory(child: ChildServer): Promise<MemorySample> {
  return child.call<MemorySample>('memory', { gc: true });
}

/** Opens, uses and closes `sessions` sessions, then lets the server settle. */
export async function warmUp(
  http: McpHttp,
  sessions: number,
  concurrency: number,
  deadline: number,
): Promise<void> {
  const ids = await boundedPool(sessions, concurrency, deadline, () => http.openSession());
  await boundedPool(ids.length, concurrency, deadline, (i) => http.echo(ids[i]));
  await boundedPool(ids.length, concurrency, deadline, (i) => http.close(ids[i]));
  await sleep(500);
}
