import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import { TerminusModule } from '@nestjs/terminus';
import { MCP_SERVER_FACTORY, McpSessionModule, type McpServerFactory } from '../src/index.js';
import { GreetingService } from './greeting.service.js';
import { mcpSessionOptionsFromConfig } from './mcp-session.config.js';
import { SessionLogService } from './session-log.service.js';
import { buildEverythingServer } from './mcp/everything-server.js';
import { HealthController } from './observability/health.controller.js';
import { MetricsController } from './observability/metrics.controller.js';
import { observabilityEnabled } from './observability/prometheus.js';

const observability = observabilityEnabled();

/**
 * The sample application: the MCP endpoint at `/mcp`, configured from the environment, with a
 * server per session whose tools use an injected Nest service; with `MCP_METRICS=true`, also
 * Prometheus metrics at `/metrics` and a health check at `/health`.
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
    ...(observability ? [TerminusModule.forRoot()] : []),
  ],
  controllers: observability ? [MetricsController, HealthController] : [],
  providers: [
    GreetingService,
    SessionLogService,
    {
      provide: MCP_SERVER_FACTORY,
      inject: [GreetingService],
      useFactory:
        (greetings: GreetingService): McpServerFactory =>
        ({ state }) =>
          buildEverythingServer({ greetings }, state),
    },
  ],
})
export class AppModule {}
