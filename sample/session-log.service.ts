import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { SessionManager } from '../src/index.js';

/**
 * Logs the lifecycle of every MCP session, from `SessionManager.events$`, until the application has
 * shut down: the sessions ended or released by the shutdown drain are logged too.
 */
@Injectable()
export class SessionLogService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Sessions');
  private subscription: Subscription | undefined;

  constructor(private readonly sessions: SessionManager) {}

  onModuleInit(): void {
    this.subscription = this.sessions.events$.subscribe((event) => {
      const reason = event.type === 'closed' ? ` (${event.reason})` : '';
      this.logger.log(`session ${event.sessionId} ${event.type}${reason}`);
    });
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }
}
