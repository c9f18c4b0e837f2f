import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CallMessage, ServerMessage } from '../servers/ipc.js';

/** Where the built servers are (next to this file, once compiled). */
export const SERVERS_DIR = fileURLToPath(new URL('../servers/', import.meta.url));
const PROBE_URL = pathToFileURL(join(SERVERS_DIR, 'probe.js')).href;
/** Server logs, kept for the post-mortem of a failed run. */
export const LOG_DIR = fileURLToPath(new URL('../../logs/', import.meta.url));

/** CPU profiles, when the run asks for them (--cpu-prof). */
export const PROFILE_DIR = fileURLToPath(new URL('../../profiles/', import.meta.url));
let cpuProfiles = false;

/**
 * Node.js flags for every server, from BENCH_SERVER_NODE_ARGS (space-separated), for diagnosis:
 * `--trace-gc`, for example, which NODE_OPTIONS does not allow.
 */
const EXTRA_NODE_ARGS = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);

/** How long a server may take to announce that it is ready. */
const READY_TIMEOUT_MS = 30_000;

/**
 * Runs a bench script again as a child of its own (`node [nodeArgs] <script> --child <arg>`), for
 * a measurement that needs a fresh process, and returns the JSON the child prints.
 */
export function runChildMeasurement<T>(scriptUrl: string, arg: string, nodeArgs: string[] = []): T {
  const script = fileURLToPath(scriptUrl);
  const run = spawnSync(process.execPath, [...nodeArgs, script, '--child', arg], {
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`${basename(script)} --child ${arg}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/** In a child started by {@link runChildMeasurement}: its argument; otherwise `undefined`. */
export function childMeasurementArgument(): string | undefined {
  return process.argv[2] === '--child' ? process.argv[3] : undefined;
}

/** Starts every later server with --cpu-prof; their profiles land in PROFILE_DIR. */
export function enableCpuProfiles(): void {
  cpuProfiles = true;
  mkdirSync(PROFILE_DIR, { recursive: true });
}

/** Every child still alive, killed when the harness ends however it ends. */
const live = new Set<ChildProcess>();
let launches = 0;

/** Kills every child at once (synchronous, so it can run in an `exit` handler). */
export function killAllChildren(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

export interface LaunchSpec {
  /** For logs and messages. */
  name: string;
  /** The built server file, relative to the servers directory. */
  entry: string;
  env?: Record<string, string>;
  /** Extra Node.js flags, such as --max-old-space-size. */
  nodeArgs?: string[];
  /** A command that runs Node.js for the server, such as `valgrind --tool=callgrind`. */
  wrapper?: string[];
  /** How long the server may take to announce that it is ready; 30 s by default. */
  readyTimeoutMs?: number;
  /**
   * How long `stop()` lets the server exit on its own once asked, so that it writes what it
   * writes at exit (a CPU profile, callgrind's counts): by default 10 s when CPU profiles are
   * on; otherwise the server is killed outright.
   */
  exitGraceMs?: number;
}

/** A server under test, running as its own process with an IPC side channel. */
export class ChildServer {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  private exited = false;

  constructor(
    readonly name: string,
    readonly url: string,
    private readonly child: ChildProcess,
    readonly logFile: string,
    private readonly exitGraceMs: number,
  ) {
    child.on('message', (raw: unknown) => {
      const message = raw as ServerMessage;
      if (message.type !== 'reply') return;
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.ok) waiter.resolve(message.value);
      else waiter.reject(new Error(`${name}: ${message.error}`));
    });
    child.once('exit', (code, signal) => {
      this.exited = true;
      live.delete(child);
      for (const waiter of this.pending.values()) {
        waiter.reject(new Error(`${name} exited (${signal ?? code}); see ${logFile}`));
      }
      this.pending.clear();
    });
  }

  /** The process id of the server (of its wrapper, when it runs under one). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Calls a command of the server's side channel (see servers/ipc.ts). */
  call<T>(command: string, args?: unknown, timeoutMs = 120_000): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.name} is not running`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: "${command}" got no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      const message: CallMessage = { type: 'call', id, command, args };
      this.child.send(message);
    });
  }

  /**
   * Stops the server and waits for it to be gone. With an exit grace period (see
   * {@link LaunchSpec.exitGraceMs}), it is asked to exit and killed only if it has not within
   * that time; otherwise it is killed outright. Either way it is waited for 5 s more at most.
   */
  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = (ms: number) =>
      new Promise<boolean>((resolve) => {
        if (this.exited) return resolve(true);
        const timer = setTimeout(() => resolve(false), ms);
        this.child.once('exit', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    if (this.exitGraceMs > 0) {
      await this.call('exit', undefined, 5_000).catch(() => undefined);
      if (await gone(this.exitGraceMs)) return;
    }
    this.child.kill('SIGKILL');
    await gone(5_000);
  }
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts a built server with `NODE_ENV=production`, `--expose-gc` and the memory probe, and waits
 * until it announces its URL over IPC.
 */
export async function launch(spec: LaunchSpec): Promise<ChildServer> {
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = join(LOG_DIR, `${String(++launches).padStart(3, '0')}-${spec.name}.log`);
  const logFd = openSync(logFile, 'w');
  let child: ChildProcess;
  try {
    const [command, ...wrapperArgs] = [...(spec.wrapper ?? []), process.execPath];
    child = spawn(
      command,
      [
        ...wrapperArgs,
        ...(spec.nodeArgs ?? []),
        ...EXTRA_NODE_ARGS,
        ...(cpuProfiles
          ? [
              '--cpu-prof',
              `--cpu-prof-dir=${PROFILE_DIR}`,
              `--cpu-prof-name=${basename(logFile, '.log')}.cpuprofile`,
            ]
          : []),
        '--expose-gc',
        '--import',
        PROBE_URL,
        join(SERVERS_DIR, spec.entry),
      ],
      {
        env: { ...process.env, NODE_ENV: 'production', ...spec.env },
        stdio: ['ignore', logFd, logFd, 'ipc'],
      },
    );
  } finally {
    closeSync(logFd);
  }
  live.add(child);
  const timeoutMs = spec.readyTimeoutMs ?? READY_TIMEOUT_MS;
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`not ready within ${timeoutMs} ms`)),
        timeoutMs,
      );
      child.on('message', (raw: unknown) => {
        const message = raw as ServerMessage;
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve(message.url);
        }
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`exited (${signal ?? `code ${code}`}) before it was ready`));
      });
    });
    const exitGraceMs = spec.exitGraceMs ?? (cpuProfiles ? 10_000 : 0);
    return new ChildServer(spec.name, url, child, logFile, exitGraceMs);
  } catch (error) {
    child.kill('SIGKILL');
    live.delete(child);
    throw new Error(
      `${spec.name}: ${(error as Error).message}. Log ${logFile}:\n${tail(logFile)}`,
      {
        cause: error,
      },
    );
  }
}
