/**
 * Summarizes a V8 CPU profile (from `npm run bench -- --cpu-prof`): where the time went, by
 * package and by function, self and inclusive.
 *
 *   node build/bench/bench/profile-summary.js <file.cpuprofile> [top=25]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The package a script belongs to, or a name for this repository and Node.js itself. */
function area(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node: (Node.js)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.includes('/build/bench/src/')) return 'this library (src/)';
  if (url.includes('/build/bench/bench/')) return 'bench/';
  return url;
}

function key(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^file:\/\//, '').replace(/^.*node_modules\//, '');
  return `${functionName || '(anonymous)'} ${file ? `${file.replace(/^.*\/build\/bench\//, '')}:${lineNumber + 1}` : ''}`;
}

function table(title: string, totals: Map<string, number>, all: number, top: number): void {
  console.log(`\n${title}`);
  const rows = [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [name, us] of rows) {
    console.log(
      `${(us / 1000).toFixed(0).padStart(8)} ms ${((us / all) * 100).toFixed(1).padStart(5)}%  ${name}`,
    );
  }
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node build/bench/bench/profile-summary.js <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const node of profile.nodes)
  for (const child of node.children ?? []) parent.set(child, node.id);

const selfByArea = new Map<string, number>();
const selfByFunction = new Map<string, number>();
const inclusiveByFunction = new Map<string, number>();
const inclusiveByArea = new Map<string, number>();
let total = 0;
let busy = 0;
const add = (map: Map<string, number>, k: string, v: number) => map.set(k, (map.get(k) ?? 0) + v);

profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  const node = byId.get(id);
  if (!node) return;
  total += dt;
  if (node.callFrame.functionName === '(idle)') return;
  busy += dt;
  add(selfByArea, area(node.callFrame.url, node.callFrame.functionName), dt);
  add(selfByFunction, key(node), dt);
  const seenFunctions = new Set<string>();
  const seenAreas = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const n = byId.get(cur)!;
    const k = key(n);
    if (!seenFunctions.has(k)) {
      seenFunctions.add(k);
      add(inclusiveByFunction, k, dt);
    }
    const a = area(n.callFrame.url, n.callFrame.functionName);
    if (!seenAreas.has(a)) {
      seenAreas.add(a);
      add(inclusiveByArea, a, dt);
    }
  }
});

console.log(
  `${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (percentages of busy time)`,
);
table('Self time by package', selfByArea, busy, top);
table(
  'Inclusive time by package (time with a frame of the package on the stack)',
  inclusiveByArea,
  busy,
  top,
);
table('Self time by function', selfByFunction, busy, top);
table('Inclusive time by function', inclusiveByFunction, busy, top);
