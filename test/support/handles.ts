import { createHook } from 'node:async_hooks';

/**
 * Timers that are not the application's: Jest's (its reporter, its test timeouts), the polling
 * helper's, and Node's cache of the `Date` header (one per process, refreshed every second).
 */
const NOT_THE_APPLICATIONS = [
  '/@jest/',
  '/jest-circus/',
  '/test/support/wait.ts',
  'at utcDate (node:internal/http',
];

/** Handles created since {@link trackHandles} was called and not yet released. */
export interface HandleTracker {
  pending(): { timers: number; servers: number };
  stop(): void;
}

/**
 * Tracks the timers and listening servers created from now on, to assert that an application
 * released all of its own. A count of the whole process's handles would depend on what an
 * earlier test is still closing and on which of Jest's own timers happen to be armed.
 */
export function trackHandles(): HandleTracker {
  const timers = new Set<number>();
  const servers = new Set<number>();
  const hook = createHook({
    init(id, type) {
      if (type === 'TCPSERVERWRAP') servers.add(id);
      if (type !== 'Timeout') return;
      const stack = new Error().stack ?? '';
      if (!NOT_THE_APPLICATIONS.some((source) => stack.includes(source))) timers.add(id);
    },
    destroy(id) {
      timers.delete(id);
      servers.delete(id);
    },
  }).enable();
  return {
    pending: () => ({ timers: timers.size, servers: servers.size }),
    stop: () => hook.disable(),
  };
}
