import { fmt } from '../lib/log.js';
import type { ResultSet, ServerId } from '../lib/results.js';

/** One line of the targets table. `met` is null when the figure was not measured. */
export interface TargetRow {
  target: string;
  measured: string;
  met: boolean | null;
}

/** A target of the issue, checked against the results of a run. Add new ones to TARGETS. */
export interface Target {
  evaluate(results: ResultSet): TargetRow[];
}

function row(
  target: string,
  value: number,
  met: (v: number) => boolean,
  show: (v: number) => string,
): TargetRow {
  if (!Number.isFinite(value)) return { target, measured: 'not measured', met: null };
  return { target, measured: show(value), met: met(value) };
}

const ratio = (v: number) => `${v.toFixed(2)}×`;

/**
 * `subject` (ours unless named) / `reference` (the baseline unless named) of a higher-is-better
 * figure is at least `min`. The server CPU time per unit of work (`cpuMetric`), which a busy
 * machine disturbs less, is shown beside it, and the latency of requests sent one at a time where
 * the scenario measured it.
 */
function atLeastBaseline(
  scenario: string,
  metric: string,
  cpuMetric: string,
  what: string,
  min: number,
  reference: ServerId = 'baseline',
  subject: ServerId = 'ours',
): Target {
  return {
    evaluate: (r) => [
      row(
        `${what}: ${subject}/${reference} ≥ ${min.toFixed(2)}`,
        r.ratio(scenario, metric, reference, subject),
        (v) => v >= min,
        (v) => {
          const cpu = r.ratio(scenario, cpuMetric, reference, subject);
          const soloP50 = r.ratio(scenario, 'solo-p50', reference, subject);
          const details = [
            `${ratio(v)} (${fmt(r.value(scenario, metric, subject))} vs ${fmt(r.value(scenario, metric, reference))})`,
          ];
          if (Number.isFinite(cpu))
            details.push(`server CPU per unit of work ${ratio(cpu)} the ${reference}'s`);
          if (Number.isFinite(soloP50)) {
            details.push(`latency p50 one request at a time ${ratio(soloP50)} the ${reference}'s`);
          }
          return details.join('; ');
        },
      ),
    ],
  };
}

/** Server CPU per request of `subject` is at most `max` times `reference`'s. */
function cpuAtMost(
  scenario: string,
  what: string,
  max: number,
  subject: ServerId,
  reference: ServerId,
): Target {
  return {
    evaluate: (r) => [
      row(
        `${what}: ${subject}/${reference} server CPU per request ≤ ${max.toFixed(2)}`,
        r.ratio(scenario, 'cpu-per-request', reference, subject),
        (v) => v <= max,
        (v) =>
          `${ratio(v)} (${fmt(r.value(scenario, 'cpu-per-request', subject))} vs ${fmt(r.value(scenario, 'cpu-per-request', reference))} µs)`,
      ),
    ],
  };
}

/** The targets of owning the hot path: the fastest mount, the default one, the modern leg. */
const HOT_PATH_TARGETS: readonly Target[] = [
  ...(['json', 'sse'] as const).flatMap((mode) => {
    const scenario = `throughput-${mode}`;
    const what = `Sessions, ${mode === 'json' ? 'JSON' : 'SSE'} responses`;
    return [
      atLeastBaseline(
        scenario,
        'throughput',
        'cpu-per-request',
        `${what}, fastest mount`,
        2,
        'baseline',
        'ours-mounted',
      ),
      cpuAtMost(scenario, `${what}, fastest mount`, 0.5, 'ours-mounted', 'baseline'),
      atLeastBaseline(scenario, 'throughput', 'cpu-per-request', `${what}, default mount`, 1.3),
      cpuAtMost(scenario, `${what}, against the raw ceiling`, 4, 'ours-mounted', 'ceiling'),
    ];
  }),
  atLeastBaseline(
    'modern',
    'throughput',
    'cpu-per-request',
    '2026-07-28 requests, fastest mount',
    2,
    'sdk-handler',
    'ours-mounted',
  ),
];

export const TARGETS: readonly Target[] = [
  ...HOT_PATH_TARGETS,
  atLeastBaseline(
    'throughput-json',
    'throughput',
    'cpu-per-request',
    'Throughput, sessions, JSON responses',
    0.9,
  ),
  atLeastBaseline(
    'throughput-sse',
    'throughput',
    'cpu-per-request',
    'Throughput, sessions, SSE responses',
    0.9,
  ),
  atLeastBaseline('stateless', 'throughput', 'cpu-per-request', 'Throughput, stateless', 0.9),
  atLeastBaseline(
    'modern',
    'throughput',
    'cpu-per-request',
    'Throughput, 2026-07-28 requests',
    0.9,
    'sdk-handler',
  ),
  atLeastBaseline('churn', 'lifecycles', 'cpu-per-lifecycle', 'Session churn (lifecycles/s)', 0.9),
  {
    evaluate: (r) =>
      (['heap', 'rss'] as const).map((kind) => {
        const metric = `${kind}-per-session`;
        return row(
          `Memory per idle session (${kind === 'heap' ? 'heap' : 'RSS'}): ours ≤ 1.10 × baseline`,
          r.ratio('memory', metric, 'baseline'),
          (v) => v <= 1.1,
          (v) =>
            `${ratio(v)} (${fmt(r.value('memory', metric, 'ours'))} vs ${fmt(r.value('memory', metric, 'baseline'))} KiB)`,
        );
      }),
  },
  {
    evaluate: (r) =>
      ['memory', 'large-population'].map((scenario) =>
        row(
          `Heap after closing every session (${scenario === 'memory' ? 'memory scenario' : 'at scale'}): ours within 10% of its start`,
          r.value(scenario, 'heap-after-close', 'ours'),
          (v) => v <= 10,
          (v) =>
            `${v >= 0 ? '+' : ''}${v.toFixed(1)}% (${fmt(r.value(scenario, 'heap-start', 'ours'))} → ${fmt(r.value(scenario, 'heap-closed', 'ours'))} MiB)`,
        ),
      ),
  },
  {
    evaluate: (r) =>
      (
        [
          ['sweep', '10% expired'],
          ['scan', 'nothing expired'],
        ] as const
      ).map(([kind, what]) =>
        row(
          `Reaper at scale: worst event-loop delay during a sweep (${what}) ≤ 20 ms`,
          r.value('large-population', `${kind}-max-delay`, 'ours'),
          (v) => v <= 20,
          (v) => {
            const ours = (metric: string) => r.value('large-population', metric, 'ours');
            const gc = ours(`${kind}-gc-pause`);
            const control = ours('control-max-delay');
            const outsideGc = ours(`${kind}-block-outside-gc`);
            const details = [`the sweep took ${fmt(ours(`${kind}-ms`))} ms`];
            if (!Number.isNaN(gc)) {
              details.push(gc > 0 ? `its longest GC pause ${fmt(gc)} ms` : 'no GC pause in it');
            }
            if (!Number.isNaN(outsideGc)) {
              details.push(`longest block outside GC ${fmt(outsideGc)} ms`);
            }
            if (!Number.isNaN(control)) {
              details.push(
                `serving tool calls with no sweep, ${fmt(control)} ms, GC pause ${fmt(ours('control-gc-pause'))} ms`,
              );
            }
            return `${fmt(v)} ms (${details.join('; ')})`;
          },
        ),
      ),
  },
  {
    evaluate: (r) => [
      row(
        'Hibernation: heap per hibernated session ≤ 2 KiB',
        r.value('hibernation', 'heap-per-session', 'ours'),
        (v) => v <= 2,
        (v) => `${fmt(v)} KiB`,
      ),
      row(
        'Hibernation: 100 000 hibernated sessions in under 300 MiB of process RSS',
        r.value('hibernation', 'rss-total', 'ours'),
        (v) => v < 300,
        (v) =>
          `${fmt(v)} MiB settled (${fmt(r.value('hibernation', 'rss-after-sweep', 'ours'))} MiB right after the last sweep)`,
      ),
      row(
        'Hibernation: first request after hibernation, p99 < 5 ms',
        r.value('hibernation', 'rehydrate-p99', 'ours'),
        (v) => v < 5,
        (v) =>
          `${fmt(v)} ms (p50 ${fmt(r.value('hibernation', 'rehydrate-p50', 'ours'))} ms; live session p99 ${fmt(r.value('hibernation', 'live-p99', 'ours'))} ms; with the SDK's default validator p99 ${fmt(r.value('hibernation', 'rehydrate-default-p99', 'ours'))} ms)`,
      ),
    ],
  },
];

export function evaluateTargets(results: ResultSet): TargetRow[] {
  return TARGETS.flatMap((t) => t.evaluate(results));
}
