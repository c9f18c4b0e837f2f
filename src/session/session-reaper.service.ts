import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import {
  MCP_SESSION_OPTIONS,
  MCP_TELEMETRY,
  REAPER_INTERVAL_NAME,
} from '../module/mcp-session.constants.js';
import type { McpTelemetry } from '../telemetry/mcp-telemetry.js';
import type { ResolvedMcpSessionOptions } from '../options/mcp-session-options.resolver.js';
import { SessionManager } from './session-manager.service.js';

/**
 * The periodic job that closes idle and over-age sessions and hibernates quiet ones, registered as an interval in `@nestjs/schedule`'s
 * `SchedulerRegistry` (the application imports `ScheduleModule.forRoot()`). A sweep never overlaps
 * the previous one and logs its own errors.
 */
@Injectable()
export class SessionReaper implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(SessionReaper.name);
  private readonly intervalName: string;
  private sweeping = false;

  constructor(
    @Inject(MCP_SESSION_OPTIONS) private readonly options: ResolvedMcpSessionOptions,
    private readonly sessions: SessionManager,
    @Inject(MCP_TELEMETRY) private readonly telemetry: McpTelemetry,
    @Optional() private readonly scheduler?: SchedulerRegistry,
  ) {
    this.intervalName = `${REAPER_INTERVAL_NAME}:${options.path}`;
  }

  onModuleInit(): void {
    const { sessionIdleTimeoutMs, maxSessionLifetimeMs, hibernateAfterMs } = this.options;
    if (
      sessionIdleTimeoutMs === null &&
      maxSessionLifetimeMs === null &&
      hibernateAfterMs === null
    ) {
      return;
    }
    if (!this.scheduler) {
      throw new Error(
        'McpSessionModule reaps idle sessions with @nestjs/schedule, which is not set up. ' +
          'Add ScheduleModule.forRoot() to the imports of your AppModule, or set sessionIdleTimeout, ' +
          'maxSessionLifetime and hibernateAfter to null.',
      );
    }
    const timer = setInterval(() => void this.sweep(), this.options.reapIntervalMs);
    this.scheduler.addInterval(this.intervalName, timer);
  }

  beforeApplicationShutdown(): void {
    if (this.scheduler?.doesExist('interval', this.intervalName)) {
      this.scheduler.deleteInterval(this.intervalName);
    }
  }

  /** One sweep; skipped while the previous one is still running. */
  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    const startedAt = performance.now();
    try {
      const closed = await this.sessions.reapExpiredSessions();
      const hibernated = await this.sessions.hibernateIdleSessions();
      if (closed + hibernated > 0) {
        this.logger.debug(`Closed ${closed} expired and hibernated ${hibernated} idle session(s)`);
      }
    } catch (error) {
      this.logger.error('Reaping idle sessions failed', (error as Error).stack);
    } finally {
      this.telemetry.swept(performance.now() - startedAt);
      this.sweeping = false;
    }
  }
}
