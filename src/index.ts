export { McpSessionModule } from './module/mcp-session.module.js';
export type { McpSessionModuleExtras } from './module/mcp-session.module-definition.js';
export type {
  McpSecurityOptions,
  McpSessionModuleOptions,
} from './options/mcp-session-options.interface.js';
export { McpSessionOptionsError } from './options/mcp-session-options.error.js';
export { MCP_SERVER_FACTORY } from './module/mcp-session.constants.js';
export type {
  McpServerContext,
  McpServerFactory,
  McpServerInstance,
} from './server/mcp-server-factory.interface.js';
export type { McpRequestStateCodec, McpServerEra } from './server/mcp-server-factory.interface.js';
export { SessionManager } from './session/session-manager.service.js';
export type { EndpointPhase } from './pipeline/endpoint-phase.js';
export { McpSessionHealthIndicator, type McpSessionHealth } from './health/mcp-session.health.js';
export type { ModernRequestCounts } from './modern/modern-request-counts.js';
export { McpNotifier } from './modern/mcp-notifier.service.js';
export type { SessionInfo } from './session/session-info.js';
export type {
  SessionClosedEvent,
  SessionCloseReason,
  SessionCreatedEvent,
  SessionEvent,
  SessionHibernatedEvent,
  SessionRehydratedEvent,
  SessionReleasedEvent,
} from './session/session-events.js';
export {
  scopeEventStore,
  type EventStoreUsage,
  type SessionEventStore,
} from './event-store/session-event-store.interface.js';
export {
  InMemoryEventStore,
  type InMemoryEventStoreOptions,
} from './event-store/in-memory-event-store.js';
export {
  RedisEventStore,
  type RedisEventStoreBounds,
  type RedisEventStoreOptions,
} from './event-store/redis-event-store.js';
export type { RedisConnectionOptions } from './redis/redis-connection.js';
export type { RedisClient, RedisPipeline } from './redis/redis-client.js';
export { resolveDefaultPrincipal } from './http/principal.js';
export type { PlatformRequest, PlatformResponse } from './http/platform-exchange.js';
export { mcpCorsOptions } from './http/cors.js';
export {
  lazyJsonSchemaValidator,
  type JsonSchemaValidatorProvider,
} from './server/lazy-json-schema-validator.js';
