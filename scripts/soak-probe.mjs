// A preload for the sample (`node --expose-gc --import scripts/soak-probe.mjs build/sample/main.js`,
// spawned with an IPC channel) that reports the process's memory and its live session count on
// request, without changing the library or the sample: it records each SessionManager as Nest
// starts it. Message in: { type: 'probe', id, gc }. Message out: { type: 'probe', id, at, rss,
// heapUsed, heapTotal, external, arrayBuffers, sessions, hibernated }. With { type: 'hibernate',
// id }, it first hibernates every quiet session through SessionManager.hibernate (what the reaper
// does after hibernateAfter), then answers the same way. `hibernated` is counted only for a
// 'hibernate' message: counting walks every session, which a probe of a large population should
// not pay on every reading.
import { SessionManager } from '../build/src/index.js';

const managers = new Set();
const onModuleInit = SessionManager.prototype.onModuleInit;
SessionManager.prototype.onModuleInit = function recordManager(...args) {
  managers.add(this);
  return onModuleInit.apply(this, args);
};

process.on('message', async (message) => {
  if (message?.type !== 'probe' && message?.type !== 'hibernate') return;
  if (message.type === 'hibernate') {
    for (const manager of managers) {
      for (const session of manager.list()) await manager.hibernate(session.id);
    }
  }
  // A full collection first, so that heapUsed is the live heap rather than garbage not yet swept.
  if (message.gc && typeof globalThis.gc === 'function') globalThis.gc();
  const memory = process.memoryUsage();
  let sessions = 0;
  let hibernated;
  for (const manager of managers) {
    sessions += manager.count();
    if (message.type === 'hibernate') {
      hibernated = (hibernated ?? 0) + manager.list().filter((s) => s.hibernated).length;
    }
  }
  process.send?.({
    type: 'probe',
    id: message.id,
    at: Date.now(),
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    heapTotal: memory.heapTotal,
    external: memory.external,
    arrayBuffers: memory.arrayBuffers,
    sessions,
    hibernated,
  });
});
// The channel must not keep the sample alive: it exits on SIGTERM as it would without the probe.
process.channel?.unref();
