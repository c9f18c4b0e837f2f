/** Injection token of the resolved, validated module options. */
export const MCP_SESSION_OPTIONS = Symbol('McpSessionModule:ResolvedOptions');

/** Injection token of the registration's {@link ModuleEventStore}. */
export const MCP_EVENT_STORE = Symbol('McpSessionModule:EventStore');

/** Injection token of the registration's {@link McpTransportFactory}. */
export const MCP_TRANSPORT_FACTORY = Symbol('McpSessionModule:TransportFactory');

/** Injection token of the registration's `McpTelemetry` (metrics and traces, or nothing). */
export const MCP_TELEMETRY = Symbol('McpSessionModule:Telemetry');

/** Injection token of the SDK lines installed beside the module ({@link SdkLines}). */
export const MCP_SDK_LINES = Symbol('McpSessionModule:SdkLines');

/**
 * Injection token of the event bus of `subscriptions/listen` streams (the SDK v2's
 * `ServerEventBus`: in-process, or on Redis with `sessionStore: 'redis'`), or `null` when
 * 2026-07-28 requests cannot be served.
 */
export const MCP_SERVER_EVENT_BUS = Symbol('McpSessionModule:ServerEventBus');

/** Injection token of the codec of `input_required` request state, or `undefined`. */
export const MCP_REQUEST_STATE_CODEC = Symbol('McpSessionModule:RequestStateCodec');

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
