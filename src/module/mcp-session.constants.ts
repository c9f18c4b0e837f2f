/** Injection token of the resolved, validated module options. */
export const MCP_SESSION_OPTIONS = Symbol('McpSessionModule:ResolvedOptions');

/** Injection token of the registration's {@link ModuleEventStore}. */
export const MCP_EVENT_STORE = Symbol('McpSessionModule:EventStore');

/** Injection token of the registration's {@link McpTransportFactory}. */
export const MCP_TRANSPORT_FACTORY = Symbol('McpSessionModule:TransportFactory');

/** Injection token of the registration's `McpTelemetry` (metrics and traces, or nothing). */
export const MCP_TELEMETRY = Symbol('McpSessionModule:Telemetry');

/** Injection token of this replica's `SessionCluster` membership, or `null` without Redis. */
export const MCP_SESSION_CLUSTER = Symbol('McpSessionModule:SessionCluster');

/**
 * Injection token under which the application provides its {@link McpServerFactory}.
 *
 * @publicApi
 */
export const MCP_SERVER_FACTORY = Symbol('McpSessionModule:ServerFactory');

/** Name under which the idle-session reaper is registered in `SchedulerRegistry`. */
export const REAPER_INTERVAL_NAME = 'McpSessionModule:reaper';

/** Default endpoint path of the built-in controller. */
export const DEFAULT_MCP_PATH = '/mcp';
