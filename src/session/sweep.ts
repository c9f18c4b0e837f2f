import { setImmediate as nextTurn } from 'node:timers/promises';

/** Sessions a sweep examines per turn of the event loop. */
const SCAN_SLICE = 5_000;
/** Sessions a sweep closes or hibernates at once, before it lets other work run. */
const ACTION_BATCH = 100;

/**
 * Calls `visit` for every item, yielding to the event loop after each slice, so that a sweep over
 * a large population never holds up requests for long. Items added or removed meanwhile follow
 * the iterator's rules (a `Map` iterator skips removed entries).
 */
export async function sweepInSlices<T>(
  items: Iterable<T>,
  visit: (item: T) => void,
): Promise<void> {
  let visited = 0;
  for (const item of items) {
    visit(item);
    if (++visited % SCAN_SLICE === 0) await nextTurn();
  }
}

/**
 * Runs `action` for every item, a batch at a time: each batch is awaited, then the event loop
 * gets a turn. Closing a session is mostly synchronous work in microtasks; thousands started at
 * once would block the event loop for the whole of it.
 */
export async function actInBatches<T>(
  items: readonly T[],
  action: (item: T) => Promise<unknown>,
): Promise<void> {
  for (let start = 0; start < items.length; start += ACTION_BATCH) {
    if (start > 0) await nextTurn();
    await Promise.all(items.slice(start, start + ACTION_BATCH).map(action));
  }
}
