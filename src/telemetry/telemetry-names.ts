/**
 * The names this module emits under: the OpenTelemetry semantic conventions for MCP where they
 * name something, and the module's own instruments under `mcp.session_manager.*`. README.md
 * ("Observability") lists each with its unit and attributes.
 */

/** The meter and tracer name (the instrumentation scope). */
export const INSTRUMENTATION_SCOPE = 'nestjs-mcp-session';

/** Histogram bucket boundaries the conventions recommend for MCP durations, in seconds. */
export const MCP_DURATION_BUCKETS = [
  0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300,
] as const;

/** Instrument names. */
export const Metric = {
  /** Conventions: the duration of one MCP request, as the server saw it (histogram, s). */
  operationDuration: 'mcp.server.operation.duration',
  /** Conventions: the duration of one MCP session, from creation to its end (histogram, s). */
  sessionDuration: 'mcp.server.session.duration',
  /** Sessions held now, by state `live` or `hibernated` (gauge). */
  sessions: 'mcp.session_manager.sessions',
  /** Sessions created (counter). */
  sessionsCreated: 'mcp.session_manager.sessions.created',
  /** Sessions ended, by reason (counter). */
  sessionsClosed: 'mcp.session_manager.sessions.closed',
  /** Hibernated sessions woken: their server and transport rebuilt from the record (counter). */
  sessionsRehydrated: 'mcp.session_manager.sessions.rehydrated',
  /** Requests refused before any work, by reason (counter). */
  requestsRefused: 'mcp.session_manager.requests.refused',
  /** Sweeps of the idle-session reaper (counter). */
  reaperSweeps: 'mcp.session_manager.reaper.sweeps',
  /** How long one sweep of the reaper took (histogram, s). */
  reaperSweepDuration: 'mcp.session_manager.reaper.sweep.duration',
  /** Events the in-memory event store holds (gauge). */
  eventStoreEvents: 'mcp.session_manager.event_store.events',
  /** Bytes the in-memory event store holds, as it charges them to `maxTotalBytes` (gauge, By). */
  eventStoreBytes: 'mcp.session_manager.event_store.bytes',
  /** Requests another replica forwarded to this one, because this one holds their session. */
  forwardedRequests: 'mcp.session_manager.cluster.forwarded_requests',
  /** Sessions this replica took over from another (which stopped answering, or let go). */
  takeovers: 'mcp.session_manager.cluster.takeovers',
  /** Errors reported by the Redis connections (counter). */
  redisErrors: 'mcp.session_manager.cluster.redis_errors',
} as const;

/** Attribute names. */
export const Attr = {
  methodName: 'mcp.method.name',
  sessionId: 'mcp.session.id',
  protocolVersion: 'mcp.protocol.version',
  resourceUri: 'mcp.resource.uri',
  requestId: 'jsonrpc.request.id',
  toolName: 'gen_ai.tool.name',
  promptName: 'gen_ai.prompt.name',
  genAiOperationName: 'gen_ai.operation.name',
  errorType: 'error.type',
  networkTransport: 'network.transport',
  networkProtocolName: 'network.protocol.name',
  /** Why a session ended (a `SessionCloseReason`), or why a request was refused. */
  reason: 'mcp.session_manager.reason',
  /** A held session's state: `live` or `hibernated`. */
  state: 'mcp.session_manager.state',
} as const;

/** The `error.type` of a `tools/call` whose result has `isError: true`. */
export const TOOL_ERROR = 'tool_error';
