import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import { MCP_SERVER_FACTORY, McpSessionModule, type McpServerFactory } from '../src/index.js';
import { GreetingService } from './greeting.service.js';
import { mcpSessionOptionsFromConfig } from './mcp-session.config.js';
import { SessionLogService } from './session-log.service.js';
import { buildEverythingServerV1 } from './mcp/everything-server.v1.js';

/**
 * The sample application: the MCP endpoint at `/mcp`, configured from the environment, with a
 * server per session whose tools use an injected Nest service.
 */
@Module({
  imports: [
    ConfigModule.forRoot(),
    ScheduleModule.forRoot(),
    McpSessionModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: mcpSessionOptionsFromConfig,
    }),
  ],
  providers: [
    GreetingService,
    SessionLogService,
    {
      provide: MCP_SERVER_FACTORY,
      inject: [GreetingService],
      useFactory:
        (greetings: GreetingService): McpServerFactory =>
        ({ state }) =>
          buildEverythingServerV1({ greetings }, state),
    },
  ],
})
export class AppModule {}
