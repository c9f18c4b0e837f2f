/**
 * What a 2025-era MCP session remembers: the log level the client chose and the resources it
 * subscribed to. Both live in the module's per-session state, so they survive hibernation; the
 * update timer of the watched resource belongs to one server instance and restarts when the
 * session wakes.
 */
import type { LoggingLevel, McpServer } from '@modelcontextprotocol/server';

/** The subscribable resource; it changes every {@link WATCHED_UPDATE_MS} while subscribed. */
export const WATCHED_URI = 'test://watched-resource';
export const WATCHED_UPDATE_MS = 3_000;

/** Log levels from least to most severe (RFC 5424, as MCP orders them). */
const LOG_SEVERITY: readonly LoggingLevel[] = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
];

/** The part of the module's per-session state this server uses. */
interface PersistedState {
  logLevel?: LoggingLevel;
  subscriptions?: string[];
}

/** One 2025-era session's log level and resource subscriptions, and the watched resource. */
export class LegacySession {
  private watchedRevision = 0;
  private watchTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly server: McpServer,
    private readonly persisted: PersistedState,
  ) {
    this.syncWatchTimer();
  }

  private get subscriptions(): string[] {
    return (this.persisted.subscriptions ??= []);
  }

  /** Applies `logging/setLevel`. */
  setLogLevel(level: LoggingLevel): void {
    this.persisted.logLevel = level;
  }

  /** Whether a message at `level` reaches the client (all do until the client sets a level). */
  accepts(level: LoggingLevel): boolean {
    const chosen = this.persisted.logLevel ?? 'debug';
    return LOG_SEVERITY.indexOf(level) >= LOG_SEVERITY.indexOf(chosen);
  }

  subscribe(uri: string): void {
    if (!this.subscriptions.includes(uri)) this.subscriptions.push(uri);
    this.syncWatchTimer();
  }

  unsubscribe(uri: string): void {
    this.persisted.subscriptions = this.subscriptions.filter((subscribed) => subscribed !== uri);
    this.syncWatchTimer();
  }

  /** Current text of {@link WATCHED_URI}. */
  get watchedContent(): string {
    return `Watched resource content, revision ${this.watchedRevision}`;
  }

  /** Stops the update timer; called when this server closes (session end or hibernation). */
  dispose(): void {
    clearInterval(this.watchTimer);
    this.watchTimer = undefined;
  }

  /** Runs the update timer of the watched resource exactly while it is subscribed. */
  private syncWatchTimer(): void {
    const watched = this.subscriptions.includes(WATCHED_URI);
    if (watched && !this.watchTimer) {
      this.watchTimer = setInterval(() => this.updateWatched(), WATCHED_UPDATE_MS).unref();
    } else if (!watched && this.watchTimer) {
      clearInterval(this.watchTimer);
      this.watchTimer = undefined;
    }
  }

  /** Changes the watched resource and tells the client, if it subscribed to it. */
  private updateWatched(): void {
    this.watchedRevision += 1;
    if (!this.subscriptions.includes(WATCHED_URI)) return;
    this.server.server.sendResourceUpdated({ uri: WATCHED_URI }).catch(() => {
      // The transport is gone; the close handler stops the timer.
    });
  }
}
