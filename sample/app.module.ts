import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import { TerminusModule } from '@nestjs/terminus';
import {
  MCP_SERVER_FACTORY,
  McpNotifier,
  McpSessionModule,
  type McpServerFactory,
} from '../src/index.js';
import { GreetingService } from './greeting.service.js';
import { mcpSessionOptionsFromConfig } from './mcp-session.config.js';
import { SessionLogService } from './session-log.service.js';
import { buildEverythingServer } from './mcp/everything-server.js';
import { buildEverythingServerV1 } from './mcp/everything-server.v1.js';
import { HealthController } from './observability/health.controller.js';
import { MetricsController } from './observability/metrics.controller.js';
import { observabilityEnabled } from './observability/prometheus.js';

const observability = observabilityEnabled();

/** Where the endpoint is mounted (`MCP_MOUNT`): behind Nest's router, or ahead of it. */
function endpointMount(): 'router' | 'server' {
  const mount = process.env.MCP_MOUNT ?? 'router';
  if (mount !== 'router' && mount !== 'server') {
    throw new Error(`MCP_MOUNT must be "router" or "server", got "${mount}"`);
  }
  return mount;
}

/**
 * The server factory: on the SDK v2 by default, serving both protocol eras; with `MCP_SDK=v1`,
 * the same feature set on the SDK v1, which serves 2025-era sessions only.
 */
function serverFactory(greetings: GreetingService, notifier: McpNotifier): McpServerFactory {
  const sdk = process.env.MCP_SDK ?? 'v2';
  if (sdk === 'v1') return ({ state }) => buildEverythingServerV1({ greetings }, state);
  if (sdk !== 'v2') throw new Error(`MCP_SDK must be "v1" or "v2", got "${sdk}"`);
  return (context) => buildEverythingServer({ greetings }, { ...context, notify: notifier });
}

/**
 * The sample application: the MCP endpoint at `/mcp`, configured from the environment, with a
 * server per session (and per 2026-07-28 request) whose tools use an injected Nest service; with
 * `MCP_METRICS=true`, also Prometheus metrics at `/metrics` and a health check at `/health`.
 */
@Module({
  imports: [
    ConfigModule.forRoot(),
    ScheduleModule.forRoot(),
    McpSessionModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: mcpSessionOptionsFromConfig,
      mount: endpointMount(),
    }),
    ...(observability ? [TerminusModule.forRoot()] : []),
  ],
  controllers: observability ? [MetricsController, HealthController] : [],
  providers: [
    GreetingService,
    SessionLogService,
    {
      provide: MCP_SERVER_FACTORY,
      inject: [GreetingService, McpNotifier],
      useFactory: serverFactory,
    },
  ],
})
export class AppModule {}
