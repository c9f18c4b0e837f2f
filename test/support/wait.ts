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
