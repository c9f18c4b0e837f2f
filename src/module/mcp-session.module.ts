import { Module } from '@nestjs/common';
import { McpSessionHealthIndicator } from '../health/mcp-session.health.js';
import { BodyReader } from '../http/body-reader.service.js';
import { ConfigurableModuleClass } from './mcp-session.module-definition.js';
import { serverFactoryCheck } from '../server/mcp-server-factory.check.js';
import { SessionManager } from '../session/session-manager.service.js';
import { SessionReaper } from '../session/session-reaper.service.js';
import { McpNotifier } from '../modern/mcp-notifier.service.js';

/**
 * Manages MCP Streamable HTTP sessions: `McpSessionModule.forRoot(options)` or
 * `McpSessionModule.forRootAsync({ imports, inject, useFactory })`.
 *
 * The application provides its server factory under `MCP_SERVER_FACTORY` and imports
 * `ScheduleModule.forRoot()` for the idle-session reaper.
 *
 * @publicApi
 */
@Module({
  providers: [
    SessionManager,
    SessionReaper,
    BodyReader,
    McpNotifier,
    McpSessionHealthIndicator,
    serverFactoryCheck,
  ],
  exports: [SessionManager, McpNotifier, McpSessionHealthIndicator],
})
export class McpSessionModule extends ConfigurableModuleClass {}
