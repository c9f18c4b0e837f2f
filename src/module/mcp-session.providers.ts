import type { Provider } from '@nestjs/common';
import { SessionCluster } from '../cluster/session-cluster.js';
import { LocalSessionDirectory } from '../directory/local-session-directory.js';
import { RedisSessionDirectory } from '../directory/redis-session-directory.js';
import { sessionBoundsOf } from '../directory/session-bounds.js';
import { SESSION_DIRECTORY } from '../directory/session-directory.interface.js';
import { ModuleEventStore } from '../event-store/module-event-store.js';
import type { McpSessionModuleOptions } from '../options/mcp-session-options.interface.js';
import {
  resolveMcpSessionOptions,
  type ResolvedMcpSessionOptions,
} from '../options/mcp-session-options.resolver.js';
import {
  MCP_EVENT_STORE,
  MCP_REQUEST_STATE_CODEC,
  MCP_SDK_LINES,
  MCP_SERVER_EVENT_BUS,
  MCP_SESSION_CLUSTER,
  MCP_SESSION_OPTIONS,
  MCP_TELEMETRY,
  MCP_TRANSPORT_FACTORY,
} from './mcp-session.constants.js';
import { SdkTransportFactory } from '../server/sdk-transport.factory.js';
import { loadSdkLines, type SdkLines } from '../server/sdk-lines.js';
import { RedisServerEventBus } from '../modern/redis-server-event-bus.js';
import { createRequestStateCodec } from '../modern/request-state.js';
import type { McpTelemetry } from '../telemetry/mcp-telemetry.js';
import { loadTelemetry } from '../telemetry/telemetry.loader.js';

/**
 * The providers one registration builds from its options (`optionsToken`): the resolved options
 * (plain data), and the resources they name, each built by its factory and closed by its own
 * shutdown hook. A resource that needs Redis connects here, so that an unreachable Redis fails the
 * application at startup with a clear error.
 */
export function createMcpSessionProviders(optionsToken: string | symbol): Provider[] {
  return [
    {
      provide: MCP_SESSION_OPTIONS,
      inject: [optionsToken],
      useFactory: (options: McpSessionModuleOptions) => resolveMcpSessionOptions(options),
    },
    { provide: MCP_SDK_LINES, useFactory: loadSdkLines },
    {
      provide: MCP_REQUEST_STATE_CODEC,
      inject: [MCP_SESSION_OPTIONS, MCP_SDK_LINES],
      useFactory: (options: ResolvedMcpSessionOptions, lines: SdkLines) =>
        createRequestStateCodec(options, lines.modern),
    },
    {
      provide: MCP_SERVER_EVENT_BUS,
      inject: [MCP_SESSION_OPTIONS, MCP_SDK_LINES],
      useFactory: (options: ResolvedMcpSessionOptions, { modern }: SdkLines) => {
        if (!modern || options.protocol === 'legacy-only') return null;
        return options.sessionStore === 'redis'
          ? RedisServerEventBus.connect(options.redis)
          : new modern.InMemoryServerEventBus();
      },
    },
    {
      provide: MCP_TRANSPORT_FACTORY,
      inject: [MCP_SESSION_OPTIONS],
      useFactory: (options: ResolvedMcpSessionOptions) => new SdkTransportFactory(options),
    },
    {
      provide: MCP_TELEMETRY,
      inject: [MCP_SESSION_OPTIONS],
      useFactory: (options: ResolvedMcpSessionOptions) => loadTelemetry(options.telemetry),
    },
    {
      provide: MCP_SESSION_CLUSTER,
      inject: [MCP_SESSION_OPTIONS, MCP_TELEMETRY],
      useFactory: (options: ResolvedMcpSessionOptions, telemetry: McpTelemetry) =>
        options.sessionStore === 'redis' ? SessionCluster.connect(options.redis, telemetry) : null,
    },
    {
      provide: SESSION_DIRECTORY,
      inject: [MCP_SESSION_OPTIONS, MCP_SESSION_CLUSTER],
      useFactory: (options: ResolvedMcpSessionOptions, cluster: SessionCluster | null) =>
        cluster
          ? new RedisSessionDirectory(cluster, sessionBoundsOf(options))
          : new LocalSessionDirectory(sessionBoundsOf(options)),
    },
    {
      provide: MCP_EVENT_STORE,
      inject: [MCP_SESSION_OPTIONS, MCP_SESSION_CLUSTER],
      useFactory: (options: ResolvedMcpSessionOptions, cluster: SessionCluster | null) =>
        ModuleEventStore.create(options, cluster?.client),
    },
  ];
}
