import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

interface PackageJson {
  license?: string;
  repository?: { type?: string; url?: string };
  homepage?: string;
  bugs?: { url?: string };
  scripts?: Record<string, string>;
  exports?: unknown;
  types?: string;
  files?: string[];
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** The nearest directory, from the working directory up, that holds package.json and src/. */
function findRepoRoot(): string {
  let dir = process.cwd();
  while (!(existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src')))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No package.json with src/ above ${process.cwd()}`);
    dir = parent;
  }
  return dir;
}

/** Every library source file under `dir`: `.ts`, excluding specs. */
function librarySources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return librarySources(path);
    return entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')
      ? [path]
      : [];
  });
}

const IMPORT_PATTERNS = [
  /\bfrom\s*['"]([^'"]+)['"]/g, // import … from '…', export … from '…'
  /\bimport\s*['"]([^'"]+)['"]/g, // import '…' (side effects only)
  /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, // import('…')
];

/** Bare specifiers imported by `source`: not relative, not absolute, not `node:` builtins. */
function bareSpecifiers(source: string): string[] {
  const specifiers = IMPORT_PATTERNS.flatMap((pattern) =>
    [...source.matchAll(pattern)].map((match) => match[1]),
  );
  return specifiers.filter(
    (specifier) =>
      !specifier.startsWith('.') && !specifier.startsWith('/') && !specifier.startsWith('node:'),
  );
}

/** `@scope/name/sub/path` → `@scope/name`; `name/sub/path` → `name`. */
function packageName(specifier: string): string {
  const segments = specifier.split('/');
  return specifier.startsWith('@') ? segments.slice(0, 2).join('/') : segments[0];
}

const root = findRepoRoot();
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;

describe('package manifest', () => {
  it('maps import specifiers to package names', () => {
    expect(packageName('@modelcontextprotocol/sdk/server/mcp.js')).toBe(
      '@modelcontextprotocol/sdk',
    );
    expect(packageName('@nestjs/common')).toBe('@nestjs/common');
    expect(packageName('rxjs/operators')).toBe('rxjs');
    expect(packageName('raw-body')).toBe('raw-body');
    expect(
      bareSpecifiers(
        [
          "import { a } from './a.js';",
          "import type { B } from '@x/y/z.js';",
          "import 'reflect-metadata';",
          "export { c } from 'c-pkg';",
          "const d = await import('d-pkg');",
          "import { createServer } from 'node:http';",
          'import {\n  e,\n  f,\n} from "e-pkg";',
        ].join('\n'),
      ).sort(),
    ).toEqual(['@x/y/z.js', 'c-pkg', 'd-pkg', 'e-pkg', 'reflect-metadata']);
  });

  it('declares every package the library imports as a dependency or peer dependency', () => {
    const runtime = { ...pkg.dependencies, ...pkg.peerDependencies };
    const files = librarySources(join(root, 'src'));
    expect(files.length).toBeGreaterThan(0);

    const undeclared: string[] = [];
    const imported = new Set<string>();
    for (const file of files) {
      for (const specifier of bareSpecifiers(readFileSync(file, 'utf8'))) {
        const name = packageName(specifier);
        imported.add(name);
        if (!Object.hasOwn(runtime, name)) {
          undeclared.push(`${relative(root, file)}: ${specifier} (${name})`);
        }
      }
    }

    expect(imported.size).toBeGreaterThan(0);
    expect(undeclared).toEqual([]);
  });

  it('sets exports, types and files, with dist published', () => {
    expect(pkg.exports).toBeDefined();
    expect(pkg.types).toEqual(expect.any(String));
    expect(pkg.types).toMatch(/^(\.\/)?dist\//);
    expect(Array.isArray(pkg.files)).toBe(true);
    expect(pkg.files).toContain('dist');
  });

  it('points the main export at the built files', () => {
    const main = (pkg.exports as Record<string, unknown>)['.'] as Record<string, string>;

    expect(main.types).toMatch(/^\.\/dist\/.*\.d\.ts$/);
    expect(main.import).toMatch(/^\.\/dist\/.*\.js$/);
  });

  it('installs every peer dependency for its own tests (devDependencies)', () => {
    const peers = Object.keys(pkg.peerDependencies ?? {});
    const missing = peers.filter((name) => !Object.hasOwn(pkg.devDependencies ?? {}, name));

    expect(peers.length).toBeGreaterThan(0);
    expect(missing).toEqual([]);
  });

  it('builds itself when packed, and ships the licence and the README', () => {
    expect(pkg.scripts?.prepack).toMatch(/\bnpm run build\b/);
    expect(pkg.files).toEqual(expect.arrayContaining(['dist', 'README.md', 'LICENSE']));
    expect(pkg.license).toBe('MIT');
    expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });

  it('publishes no source maps, whose sources would not be shipped', () => {
    const build = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')) as {
      compilerOptions: { sourceMap?: boolean; declarationMap?: boolean };
    };

    expect(build.compilerOptions.sourceMap).toBe(false);
    expect(build.compilerOptions.declarationMap).not.toBe(true);
  });

  it('names one repository home for the source, the README and the issues', () => {
    const home = /^https:\/\/github\.com\/[\w.-]+\/[\w.-]+/.exec(pkg.homepage ?? '')?.[0];

    expect(home).toBeDefined();
    expect(pkg.repository).toEqual({ type: 'git', url: `git+${home}.git` });
    expect(pkg.bugs?.url).toBe(`${home}/issues`);
  });

  it('links the README to files by absolute addresses, which work on the registry page', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const targets = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]);
    const relative = targets.filter((target) => !/^(https?:\/\/|#)/.test(target));

    expect(targets.length).toBeGreaterThan(0);
    expect(relative).toEqual([]);
  });
});
