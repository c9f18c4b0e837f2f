/** Progress output on stderr, stamped with the time elapsed since the run started. */
const started = Date.now();

function stamp(): string {
  const seconds = Math.floor((Date.now() - started) / 1000);
  const mm = String(Math.floor(seconds / 60)).padStart(2, '0');
  const ss = String(seconds % 60).padStart(2, '0');
  return `[${mm}:${ss}]`;
}

export const log = {
  /** A step of the run. */
  step(message: string): void {
    process.stderr.write(`${stamp()} ${message}\n`);
  },
  /** A detail under the current step. */
  detail(message: string): void {
    process.stderr.write(`${stamp()}     ${message}\n`);
  },
  /** Seconds since the run started. */
  elapsedSeconds(): number {
    return (Date.now() - started) / 1000;
  },
};

/** Formats a number for humans: 12 345, 1.23, 0.0123. */
export function fmt(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000 || Number.isInteger(value))
    return Math.round(value).toLocaleString('en-US').replace(/,/g, ' ');
  if (abs >= 100) return value.toFixed(0);
  if (abs === 0) return '0';
  return value.toPrecision(digits);
}
