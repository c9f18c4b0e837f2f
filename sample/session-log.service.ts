import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { SessionManager } from '../src/index.js';

/** Logs the lifecycle of every MCP session, from `SessionManager.events$`. */
@Injectable()
export class SessionLogService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Sessions');
  private subscription: Subscription | undefined;

  constructor(private readonly sessions: SessionManager) {}

  onModuleInit(): void {
    this.subscription = this.sessions.events$.subscribe((event) => {
      const reason = event.type === 'closed' ? ` (${event.reason})` : '';
      this.logger.log(`session ${event.sessionId} ${event.type}${reason}`);
    });
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }
}
