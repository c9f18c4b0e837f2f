import { jest } from '@jest/globals';

/**
 * Polls `condition` until it holds; rejects after `timeoutMs`. Uses `performance.now()` and
 * `setTimeout`, which the specs that fake `Date` and intervals leave real.
 */
export async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Fakes `Date` and, unless `intervals` is false, `setInterval` (the reaper's timer). Timeouts,
 * immediates, microtasks and `performance` stay real, so sockets, Nest and {@link waitFor} work.
 * Undo with `jest.useRealTimers()`.
 */
export function fakeClock({ intervals = true }: { intervals?: boolean } = {}): void {
  const real = [
    'setTimeout',
    'clearTimeout',
    'setImmediate',
    'nextTick',
    'queueMicrotask',
    'hrtime',
    'performance',
  ] as const;
  jest.useFakeTimers({
    doNotFake: intervals ? [...real] : [...real, 'setInterval', 'clearInterval'],
  });
}
