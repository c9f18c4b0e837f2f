export { McpSessionModule } from './mcp-session.module.js';
export type { McpSessionModuleExtras } from './mcp-session.module-definition.js';
export type {
  McpSecurityOptions,
  McpSessionModuleOptions,
} from './mcp-session-options.interface.js';
export { McpSessionOptionsError } from './mcp-session-options.resolver.js';
export { MCP_SERVER_FACTORY } from './mcp-session.constants.js';
export type {
  McpServerContext,
  McpServerFactory,
  McpServerInstance,
} from './mcp-server-factory.js';
export { SessionManager } from './session-manager.service.js';
export type { SessionInfo } from './session.js';
export type {
  SessionClosedEvent,
  SessionCloseReason,
  SessionCreatedEvent,
  SessionEvent,
  SessionHibernatedEvent,
  SessionRehydratedEvent,
  SessionReleasedEvent,
} from './session-events.js';
export {
  scopeEventStore,
  type SessionEventStore,
} from './event-store/session-event-store.interface.js';
export {
  InMemoryEventStore,
  type InMemoryEventStoreOptions,
} from './event-store/in-memory-event-store.js';
export { RedisEventStore, type RedisEventStoreOptions } from './event-store/redis-event-store.js';
export type { RedisClient, RedisPipeline } from './cluster/redis-client.js';
export { resolveDefaultPrincipal } from './principal.js';
export { mcpCorsOptions } from './http/cors.js';
export { lazyJsonSchemaValidator } from './lazy-json-schema-validator.js';
