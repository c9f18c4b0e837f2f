// A preload for the sample (`node --expose-gc --import scripts/soak-probe.mjs build/sample/main.js`,
// spawned with an IPC channel) that reports the process's memory and its live session count on
// request, without changing the library or the sample: it records each SessionManager as Nest
// starts it. Message in: { type: 'probe', id, gc }. Message out: { type: 'probe', id, at, rss,
// heapUsed, heapTotal, external, arrayBuffers, sessions }.
import { SessionManager } from '../build/src/index.js';

const managers = new Set();
const onModuleInit = SessionManager.prototype.onModuleInit;
SessionManager.prototype.onModuleInit = function recordManager(...args) {
  managers.add(this);
  return onModuleInit.apply(this, args);
};

process.on('message', (message) => {
  if (message?.type !== 'probe') return;
  // A full collection first, so that heapUsed is the live heap rather than garbage not yet swept.
  if (message.gc && typeof globalThis.gc === 'function') globalThis.gc();
  const memory = process.memoryUsage();
  let sessions = 0;
  for (const manager of managers) sessions += manager.count();
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
  });
});
// The channel must not keep the sample alive: it exits on SIGTERM as it would without the probe.
process.channel?.unref();
