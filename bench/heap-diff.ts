/**
 * Compares two V8 heap snapshots (from the probe's `heap-snapshot` command): objects and bytes
 * added, by constructor, largest first.
 *
 *   node build/bench/bench/heap-diff.js <before.heapsnapshot> <after.heapsnapshot> [top=30]
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

function census(file: string): Map<string, { count: number; bytes: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]];
    const name =
      type === 'object' || type === 'closure' ? snap.strings[snap.nodes[i + nameAt]] : `(${type})`;
    const key = type === 'closure' ? `closure ${name}` : name;
    const entry = out.get(key) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += snap.nodes[i + sizeAt];
    out.set(key, entry);
  }
  return out;
}

const [before, after, topArg] = process.argv.slice(2);
if (!before || !after) {
  console.error('usage: node build/bench/bench/heap-diff.js <before> <after> [top]');
  process.exit(2);
}
const a = census(before);
const b = census(after);
const rows = [...new Set([...a.keys(), ...b.keys()])].map((key) => ({
  key,
  count: (b.get(key)?.count ?? 0) - (a.get(key)?.count ?? 0),
  bytes: (b.get(key)?.bytes ?? 0) - (a.get(key)?.bytes ?? 0),
}));
rows.sort((x, y) => y.bytes - x.bytes);
console.log('     +objects        +bytes  constructor');
for (const r of rows.slice(0, Number(topArg ?? 30))) {
  console.log(`${String(r.count).padStart(13)} ${String(r.bytes).padStart(13)}  ${r.key}`);
}
