import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { median } from './stats.js';

/** The servers under test, in the order the tables list them. */
export const SERVER_IDS = [
  'ours',
  'ours-sdk',
  'ours-mounted',
  'ours-fastify',
  'baseline',
  'ceiling',
  'rekog',
  'sdk-handler',
  'nest-sdk',
] as const;
export type ServerId = (typeof SERVER_IDS)[number];

/** One figure, measured once per round for one subject. The report shows the median. */
export interface Measurement {
  /** The scenario that measured it, such as `throughput-json`. */
  scenario: string;
  /** What is measured, such as `throughput`, `p99`, `heap-per-session`. */
  metric: string;
  /** How the report names the figure. */
  label: string;
  unit: string;
  better: 'higher' | 'lower';
  /** Which server (or, in-process, which implementation) it belongs to. */
  subject: ServerId;
  /** One value per round. */
  samples: number[];
}

/** A server left out of the run, and why. */
export interface Skip {
  subject: ServerId;
  scenario: string | '*';
  reason: string;
}

export interface RunMeta {
  quick: boolean;
  startedAt: string;
  finishedAt?: string;
  durationSeconds?: number;
  machine: Record<string, string>;
  versions: Record<string, string>;
  parameters: Record<string, string | number>;
  scenarios: string[];
}

/** Everything a run produced; BENCHMARKS.md is rendered from it alone. */
export interface ResultsDocument {
  meta: RunMeta;
  measurements: Measurement[];
  skips: Skip[];
  /** Remarks a scenario made about its own run (errors seen, counts checked). */
  notes: Array<{ scenario: string; text: string }>;
}

/** The results of a run, filled in by the scenarios. */
export class ResultSet {
  readonly doc: ResultsDocument;

  constructor(meta: RunMeta) {
    this.doc = { meta, measurements: [], skips: [], notes: [] };
  }

  static load(path: string): ResultSet {
    const doc = JSON.parse(readFileSync(path, 'utf8')) as ResultsDocument;
    const set = new ResultSet(doc.meta);
    Object.assign(set.doc, doc);
    return set;
  }

  save(path: string): void {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${JSON.stringify(this.doc, null, 2)}\n`);
  }

  /** Adds one round's value to a figure, creating the figure on first use. */
  record(figure: Omit<Measurement, 'samples' | 'subject'>, subject: ServerId, value: number): void {
    let m = this.doc.measurements.find(
      (x) => x.scenario === figure.scenario && x.metric === figure.metric && x.subject === subject,
    );
    if (!m) {
      m = { ...figure, subject, samples: [] };
      this.doc.measurements.push(m);
    }
    m.samples.push(value);
  }

  skip(subject: ServerId, scenario: string | '*', reason: string): void {
    if (this.doc.skips.some((s) => s.subject === subject && s.scenario === scenario)) return;
    this.doc.skips.push({ subject, scenario, reason });
  }

  note(scenario: string, text: string): void {
    this.doc.notes.push({ scenario, text });
  }

  find(scenario: string, metric: string, subject: ServerId): Measurement | undefined {
    return this.doc.measurements.find(
      (m) => m.scenario === scenario && m.metric === metric && m.subject === subject,
    );
  }

  /** The median of a figure, or NaN when it was not measured. */
  value(scenario: string, metric: string, subject: ServerId): number {
    const m = this.find(scenario, metric, subject);
    return m ? median(m.samples) : Number.NaN;
  }

  /** `subject` (ours unless named) / other for a figure, or NaN. */
  ratio(scenario: string, metric: string, other: ServerId, subject: ServerId = 'ours'): number {
    return this.value(scenario, metric, subject) / this.value(scenario, metric, other);
  }
}
