import type { Observable, Subscription } from 'rxjs';
import type { EventStoreUsage } from '../event-store/session-event-store.interface.js';
import type { HttpJsonRpcError } from '../http/json-rpc-error.js';
import type { McpRequest } from '../pipeline/mcp-request.js';
import type { McpTransport } from '../server/mcp-transport.interface.js';
import type { McpSession } from '../session/mcp-session.js';
import type { SessionEvent } from '../session/session-events.js';

/** What the telemetry watches for the gauges and the session counters. */
export interface TelemetrySources {
  /** The session manager's lifecycle events. */
  events$: Observable<SessionEvent>;
  /** Requests another replica forwarded here. */
  forwarded$: Observable<McpRequest>;
  /** The sessions held here, counted live and hibernated when a reader collects. */
  held: { values(): IterableIterator<McpSession> };
  /** What the event store holds for the sessions held here, when it can say. */
  eventStoreUsage: (() => Promise<EventStoreUsage>) | undefined;
}

/**
 * The module's metrics and traces, as one object handed to the few places that see what is
 * measured: the transports (each MCP request, from its arrival to its response), the pipeline
 * (refusals), the lifecycle's events, the reaper and the cluster. With `@opentelemetry/api` absent,
 * or no meter or tracer provider registered, it is {@link NO_TELEMETRY}, which does nothing.
 */
export interface McpTelemetry {
  /** Whether anything is measured: false for {@link NO_TELEMETRY}. */
  readonly enabled: boolean;
  /**
   * Measures every request the transport (already connected to its server) receives until its
   * response is sent: a SERVER span and `mcp.server.operation.duration`.
   */
  observeTransport(transport: McpTransport): void;
  /** Runs `work` with the transport's requests not measured (replaying a session's `initialize`). */
  unobserved<T>(transport: McpTransport, work: () => Promise<T>): Promise<T>;
  /** Counts a refusal, when `error` is one (see `HttpJsonRpcError.refusal`). */
  refused(error: HttpJsonRpcError): void;
  /** Watches the sessions and their events until the subscription ends. */
  watch(sources: TelemetrySources): Subscription | undefined;
  /** Records one sweep of the reaper that took `durationMs`. */
  swept(durationMs: number): void;
  /** Counts a session taken over from a replica that stopped answering. */
  tookOver(): void;
  /** Counts an error of a Redis connection. */
  redisError(): void;
  /**
   * The W3C trace context of the active span (`traceparent`, `tracestate`, `baggage`), for a
   * request forwarded to another replica to continue this replica's trace; empty when no span is
   * active or tracing is off.
   */
  activeTraceHeaders(): Record<string, string>;
}

/** The telemetry that measures nothing. */
export const NO_TELEMETRY: McpTelemetry = {
  enabled: false,
  observeTransport: () => undefined,
  unobserved: (_transport, work) => work(),
  refused: () => undefined,
  watch: () => undefined,
  swept: () => undefined,
  tookOver: () => undefined,
  redisError: () => undefined,
  activeTraceHeaders: () => ({}),
};
