import { setTimeout as sleep } from 'node:timers/promises';
import type { MemorySample } from '../servers/probe.js';
import type { ChildServer } from './children.js';
import { boundedPool, type McpHttp } from './mcp-http.js';

export const MiB = 1024 * 1024;
/** One heap limit for every server whose memory is compared, large enough for 100 000 sessions. */
export const MEMORY_NODE_ARGS = ['--max-old-space-size=8192'];
/** Sessions opened, used and closed before the first reading, so warm-up costs are not counted. */
export const WARMUP_SESSIONS = 200;

/** A memory reading of the server, after forced garbage collection. */
export function readMemory(child: ChildServer): Promise<MemorySample> {
  return child.call<MemorySample>('memory', { gc: true });
}

/** Opens, uses and closes WARMUP_SESSIONS sessions, then lets the server settle. */
export async function warmUp(http: McpHttp, concurrency: number, deadline: number): Promise<void> {
  const ids = await boundedPool(WARMUP_SESSIONS, concurrency, deadline, () => http.openSession());
  await boundedPool(ids.length, concurrency, deadline, (i) => http.echo(ids[i]));
  await boundedPool(ids.length, concurrency, deadline, (i) => http.close(ids[i]));
  await sleep(500);
}
