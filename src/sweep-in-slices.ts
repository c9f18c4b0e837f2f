import { setImmediate as nextTurn } from 'node:timers/promises';

/** Sessions a sweep examines per turn of the event loop. */
const SLICE = 5_000;

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
    if (++visited % SLICE === 0) await nextTurn();
  }
}
