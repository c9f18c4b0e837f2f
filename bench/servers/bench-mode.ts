/**
 * The modes a server under test is started in (env BENCH_MODE). A module of its own, so that a
 * server reading its mode loads nothing else: the ceiling is Node.js alone.
 */
export type BenchMode = 'json' | 'sse' | 'stateless';

/** The mode this server was started in. */
export function benchMode(): BenchMode {
  const mode = process.env.BENCH_MODE ?? 'sse';
  if (mode !== 'json' && mode !== 'sse' && mode !== 'stateless') {
    throw new Error(`BENCH_MODE must be json, sse or stateless, got "${mode}"`);
  }
  return mode;
}
