import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { connectV2Client } from './support/modern.js';
import { rawRequest, sessionHeaders } from './support/http.js';
import { commandsOf, quickStartBlocks, type QuickStartBlock } from './support/readme-blocks.js';

/**
 * The README's Quick start, run as a new user would: the library packed as it would be published,
 * a fresh application built from the README's own code blocks, compiled strictly (with library
 * checks on, so the published declarations are compiled too) and driven over HTTP by the SDK's
 * client. Needs the npm registry (or npm's cache) for the application's dependencies.
 */

const run = promisify(execFile);
const root = process.cwd();
const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
  name: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const blocks = quickStartBlocks(await readFile(join(root, 'README.md'), 'utf8'));

/** What a strict consumer turns on beyond the README's tsconfig. */
const STRICT_CONSUMER = [
  '--strict',
  '--skipLibCheck',
  'false',
  '--noUnusedLocals',
  '--noUnusedParameters',
];

/** The environment of the commands: npm's own variables from `npm test` would redirect npm. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.toLowerCase().startsWith('npm_') && name !== 'NODE_OPTIONS',
    ),
  );
  return { ...env, ...extra };
}

async function sh(command: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run(command[0], command.slice(1), {
      cwd,
      env: childEnv(),
      timeout: 180_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`, {
      cause: error,
    });
  }
}

function block(target: string): QuickStartBlock {
  const found = blocks.find((candidate) => candidate.target === target);
  if (!found) throw new Error(`README has no block marked <!-- quick-start: ${target} -->`);
  return found;
}

/** The version of `name` this repository pins, so the application gets what CI tested. */
function pinned(name: string): string {
  const version = manifest.devDependencies[name] ?? manifest.dependencies[name];
  if (!version) throw new Error(`README installs ${name}, which package.json does not pin`);
  return version;
}

/** Runs the install block: npm init and npm pkg as written; npm install at pinned versions. */
async function install(appDir: string, tarball: string): Promise<void> {
  for (const command of commandsOf(block('install'))) {
    const [tool, verb, ...rest] = command;
    if (tool !== 'npm') throw new Error(`Unexpected install command: ${command.join(' ')}`);
    if (verb === 'init' || verb === 'pkg') {
      await sh(command, appDir);
    } else if (verb === 'install') {
      const flags = rest.filter((arg) => arg.startsWith('-'));
      const specs = rest
        .filter((arg) => !arg.startsWith('-'))
        .map((name) => (name === manifest.name ? tarball : `${name}@${pinned(name)}`));
      await sh(
        ['npm', 'install', '--prefer-offline', '--no-audit', '--no-fund', ...flags, ...specs],
        appDir,
      );
    } else {
      throw new Error(`Unexpected install command: ${command.join(' ')}`);
    }
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('README Quick start, from a packed tarball', () => {
  let workDir: string;
  let appDir: string;
  let tarball: string;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'mcp-quick-start-'));
    appDir = join(workDir, 'app');
    await mkdir(appDir);
    // prepack builds dist/ first, as it would for npm publish.
    await sh(['npm', 'pack', '--pack-destination', workDir], root);
    const packed = (await readdir(workDir)).filter((name) => name.endsWith('.tgz'));
    expect(packed).toHaveLength(1);
    tarball = join(workDir, packed[0]);
    await install(appDir, tarball);
    for (const { target, code } of blocks) {
      if (target === 'install' || target === 'run') continue;
      await mkdir(dirname(join(appDir, target)), { recursive: true });
      await writeFile(join(appDir, target), code);
    }
  }, 300_000);

  afterAll(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('ships the JavaScript, the declarations, the README and the licence, and no source maps', async () => {
    const files = (await sh(['tar', '-tzf', tarball], workDir)).split('\n').filter(Boolean);

    expect(files).toEqual(
      expect.arrayContaining([
        'package/package.json',
        'package/README.md',
        'package/LICENSE',
        'package/dist/index.js',
        'package/dist/index.d.ts',
      ]),
    );
    expect(files.filter((file) => file.endsWith('.map'))).toEqual([]);
    expect(files.filter((file) => /\.spec\.|\/src\//.test(file))).toEqual([]);
  });

  it('compiles strictly, with library checks, without the optional ioredis and SDK v1', async () => {
    expect(existsSync(join(appDir, 'node_modules', 'ioredis'))).toBe(false);
    expect(existsSync(join(appDir, 'node_modules', '@modelcontextprotocol', 'sdk'))).toBe(false);
    const [compile] = commandsOf(block('run'));
    expect(compile.slice(0, 2)).toEqual(['npx', 'tsc']);

    await sh([...compile, ...STRICT_CONSUMER], appDir);
  }, 180_000);

  it('serves both eras: a 2026-07-28 call, a session (call, DELETE, 404), and exits 0 on SIGTERM', async () => {
    const [, start] = commandsOf(block('run'));
    expect(start[0]).toBe('node');
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    let output = '';
    const app: ChildProcess = spawn(start[0], start.slice(1), {
      cwd: appDir,
      env: childEnv({ PORT: String(port) }),
    });
    app.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    app.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => app.once('exit', resolve));
    try {
      const deadline = performance.now() + 60_000;
      while (!(await accepts(port))) {
        if (app.exitCode !== null || performance.now() > deadline) {
          throw new Error(`The application did not start:\n${output}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }

      const modern = await connectV2Client(base, 'pinned');
      const answer = await modern.client.callTool({ name: 'greet', arguments: { name: 'Bo' } });
      expect(answer.content).toEqual([{ type: 'text', text: 'Hello, Bo!' }]);
      await modern.client.close();

      const client = new Client({ name: 'quick-start-client', version: '1.0.0' });
      const transport = new StreamableHTTPClientTransport(new URL('/mcp', base));
      await client.connect(transport);
      const result = await client.callTool({ name: 'greet', arguments: { name: 'Ada' } });
      expect(result.content).toEqual([{ type: 'text', text: 'Hello, Ada!' }]);
      const sessionId = transport.sessionId!;
      expect(sessionId).toEqual(expect.any(String));

      await transport.terminateSession();
      await client.close();
      const after = await rawRequest(base, {
        headers: sessionHeaders(sessionId),
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
      });
      expect(after.status).toBe(404);

      app.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (app.exitCode === null && app.signalCode === null) app.kill('SIGKILL');
    }
  }, 120_000);
});
