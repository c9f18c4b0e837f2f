import type * as OpenTelemetry from '@opentelemetry/api';
import type {
  Attributes,
  BatchObservableCallback,
  Context,
  Counter,
  Histogram,
  Meter,
  ObservableCallback,
  ObservableGauge,
  Span,
  Tracer,
} from '@opentelemetry/api';
import type {
  JSONRPCMessage,
  JSONRPCRequest,
  MessageExtraInfo,
  RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import { Subscription } from 'rxjs';
import type { HttpJsonRpcError } from '../http/json-rpc-error.js';
import type { McpTransport } from '../server/mcp-transport.interface.js';
import type { McpTelemetry, TelemetrySources } from './mcp-telemetry.js';
import {
  describeOperation,
  errorTypeOf,
  isRequest,
  traceHeadersOf,
  type OperationAttributes,
} from './mcp-operation.js';
import { ASYNC_CONTEXT_IS_CHEAP } from './context-propagation.js';
import { Attr, MCP_DURATION_BUCKETS, Metric } from './telemetry-names.js';

/** The OpenTelemetry API, loaded when it is installed. */
export type OpenTelemetryApi = typeof OpenTelemetry;

/** The `error.type` of a request the client cancelled (`notifications/cancelled`). */
const CANCELLED = 'cancelled';

/** The request a `notifications/cancelled` names, if `message` is one. */
function cancelledRequestId(message: JSONRPCMessage): RequestId | undefined {
  if (!('method' in message) || message.method !== 'notifications/cancelled') return undefined;
  const requestId = (message.params as { requestId?: unknown } | undefined)?.requestId;
  return typeof requestId === 'string' || typeof requestId === 'number' ? requestId : undefined;
}

/** One request between its arrival and its response. */
interface Operation {
  method: string;
  attributes: OperationAttributes;
  startedAt: number;
  span: Span | undefined;
  /** The parent context with the span set, active while the request is handled. */
  context: Context | undefined;
}

/**
 * The telemetry on OpenTelemetry: instruments from the global meter provider (or a no-op meter
 * when only tracing is on), spans from the global tracer provider (none when only metrics are on).
 */
export class OtelTelemetry implements McpTelemetry {
  readonly enabled = true;
  private readonly muted = new WeakSet<McpTransport>();
  private readonly meter: Meter;
  private readonly operationDuration: Histogram;
  private readonly sessionDuration: Histogram;
  private readonly sessionsCreated: Counter;
  private readonly sessionsClosed: Counter;
  private readonly sessionsRehydrated: Counter;
  private readonly requestsRefused: Counter;
  private readonly reaperSweeps: Counter;
  private readonly reaperSweepDuration: Histogram;
  private readonly forwardedRequests: Counter;
  private readonly takeovers: Counter;
  private readonly redisErrors: Counter;

  constructor(
    private readonly api: OpenTelemetryApi,
    private readonly tracer: Tracer | undefined,
    meter: Meter | undefined,
  ) {
    this.meter = meter ?? api.createNoopMeter();
    const seconds = (name: string, description: string) =>
      this.meter.createHistogram(name, {
        unit: 's',
        description,
        advice: { explicitBucketBoundaries: [...MCP_DURATION_BUCKETS] },
      });
    const counter = (name: string, unit: string, description: string) =>
      this.meter.createCounter(name, { unit, description });
    this.operationDuration = seconds(Metric.operationDuration, 'Duration of MCP requests');
    this.sessionDuration = seconds(Metric.sessionDuration, 'Duration of MCP sessions');
    this.sessionsCreated = counter(Metric.sessionsCreated, '{session}', 'Sessions created');
    this.sessionsClosed = counter(Metric.sessionsClosed, '{session}', 'Sessions ended, by reason');
    this.sessionsRehydrated = counter(
      Metric.sessionsRehydrated,
      '{session}',
      'Hibernated sessions rebuilt by a request',
    );
    this.requestsRefused = counter(
      Metric.requestsRefused,
      '{request}',
      'Requests refused before any work, by reason',
    );
    this.reaperSweeps = counter(Metric.reaperSweeps, '{sweep}', 'Sweeps of the session reaper');
    this.reaperSweepDuration = seconds(Metric.reaperSweepDuration, 'Duration of reaper sweeps');
    this.forwardedRequests = counter(
      Metric.forwardedRequests,
      '{request}',
      'Requests forwarded here by another replica',
    );
    this.takeovers = counter(Metric.takeovers, '{session}', 'Sessions taken over from a replica');
    this.redisErrors = counter(Metric.redisErrors, '{error}', 'Errors of the Redis connections');
  }

  observeTransport(transport: McpTransport): void {
    const pending = new Map<RequestId, Operation>();
    const receive = transport.onmessage;
    const send = transport.send.bind(transport);
    if (!receive) return;
    transport.onmessage = (message, extra) => {
      if (!isRequest(message) || this.muted.has(transport)) {
        // A cancelled request gets no response: its measurement ends here.
        const cancelled = cancelledRequestId(message);
        const operation = cancelled === undefined ? undefined : pending.get(cancelled);
        if (operation) {
          pending.delete(cancelled!);
          this.complete(operation, CANCELLED);
        }
        return receive(message, extra);
      }
      const operation = this.begin(transport, message, extra);
      pending.set(message.id, operation);
      if (!operation.context) return receive(message, extra);
      // Active while the server handles the request: the tool's own spans nest in it.
      this.api.context.with(operation.context, receive, undefined, message, extra);
    };
    transport.send = (message, options) => {
      if (!('method' in message) && 'id' in message && message.id !== undefined) {
        const operation = pending.get(message.id);
        if (operation) {
          pending.delete(message.id);
          this.complete(operation, message);
        }
      }
      return send(message, options);
    };
  }

  async unobserved<T>(transport: McpTransport, work: () => Promise<T>): Promise<T> {
    this.muted.add(transport);
    try {
      return await work();
    } finally {
      this.muted.delete(transport);
    }
  }

  refused(error: HttpJsonRpcError): void {
    if (error.refusal) this.requestsRefused.add(1, { [Attr.reason]: error.refusal });
  }

  watch(sources: TelemetrySources): Subscription {
    const subscription = new Subscription();
    subscription.add(
      sources.events$.subscribe((event) => {
        if (event.type === 'created') this.sessionsCreated.add(1);
        else if (event.type === 'rehydrated') this.sessionsRehydrated.add(1);
        else if (event.type === 'closed') {
          const attributes = { [Attr.reason]: event.reason, [Attr.networkTransport]: 'tcp' };
          this.sessionsClosed.add(1, { [Attr.reason]: event.reason });
          if (event.createdAt) {
            const seconds = (event.at.getTime() - event.createdAt.getTime()) / 1000;
            this.sessionDuration.record(seconds, attributes);
          }
        }
      }),
    );
    subscription.add(sources.forwarded$.subscribe(() => this.forwardedRequests.add(1)));
    this.observeGauge(subscription, Metric.sessions, '{session}', 'Sessions held', (result) => {
      let live = 0;
      let hibernated = 0;
      for (const session of sources.held.values()) {
        if (session.live) live++;
        else hibernated++;
      }
      result.observe(live, { [Attr.state]: 'live' });
      result.observe(hibernated, { [Attr.state]: 'hibernated' });
    });
    const usage = sources.eventStoreUsage;
    if (usage) {
      const events = this.meter.createObservableGauge(Metric.eventStoreEvents, {
        unit: '{event}',
        description: 'Events the event store holds for the sessions held here',
      });
      const bytes = this.meter.createObservableGauge(Metric.eventStoreBytes, {
        unit: 'By',
        description: 'Bytes the event store holds for the sessions held here',
      });
      // One measurement for both gauges: a Redis store asks Redis once per collection.
      const callback: BatchObservableCallback = async (result) => {
        const held = await usage();
        result.observe(events, held.events);
        result.observe(bytes, held.bytes);
      };
      this.meter.addBatchObservableCallback(callback, [events, bytes]);
      subscription.add(() => this.meter.removeBatchObservableCallback(callback, [events, bytes]));
    }
    return subscription;
  }

  swept(durationMs: number): void {
    this.reaperSweeps.add(1);
    this.reaperSweepDuration.record(durationMs / 1000);
  }

  tookOver(): void {
    this.takeovers.add(1);
  }

  redisError(): void {
    this.redisErrors.add(1);
  }

  activeTraceHeaders(): Record<string, string> {
    const carrier: Record<string, string> = {};
    if (!this.tracer) return carrier;
    const active = this.api.context.active();
    if (this.api.trace.getSpan(active)) this.api.propagation.inject(active, carrier);
    return carrier;
  }

  /** Starts measuring a request: its attributes, its start time and, with traces on, its span. */
  private begin(
    transport: McpTransport,
    request: JSONRPCRequest,
    extra: MessageExtraInfo | undefined,
  ): Operation {
    const { attributes, spanName, meta } = describeOperation(request, extra);
    const operation: Operation = {
      method: request.method,
      attributes,
      startedAt: performance.now(),
      span: undefined,
      context: undefined,
    };
    if (!this.tracer) return operation;
    const spanAttributes: Attributes = { ...attributes, [Attr.requestId]: String(request.id) };
    if (transport.sessionId !== undefined) spanAttributes[Attr.sessionId] = transport.sessionId;
    if (request.method === 'tools/call') spanAttributes[Attr.genAiOperationName] = 'execute_tool';
    const active = this.api.context.active();
    const parent = this.parentContext(active, meta, traceHeadersOf(extra));
    const kind = this.api.SpanKind.SERVER;
    operation.span = this.tracer.startSpan(spanName, { kind, attributes: spanAttributes }, parent);
    // Made active when that costs the process nothing more: when a context is active already (an
    // HTTP instrumentation made one), or where async context is cheap. Else the server still
    // continues the trace, but its own spans do not nest in this one.
    if (ASYNC_CONTEXT_IS_CHEAP || active !== this.api.ROOT_CONTEXT) {
      operation.context = this.api.trace.setSpan(parent, operation.span);
    }
    return operation;
  }

  /** Ends a request's measurement with its response. */
  private complete(operation: Operation, response: JSONRPCMessage | typeof CANCELLED): void {
    const seconds = (performance.now() - operation.startedAt) / 1000;
    const errorType = response === CANCELLED ? CANCELLED : errorTypeOf(operation.method, response);
    const attributes =
      errorType === undefined
        ? operation.attributes
        : { ...operation.attributes, [Attr.errorType]: errorType };
    this.operationDuration.record(seconds, attributes);
    const { span } = operation;
    if (!span) return;
    if (errorType !== undefined) {
      span.setAttribute(Attr.errorType, errorType);
      const message =
        response !== CANCELLED && 'error' in response ? response.error.message : undefined;
      span.setStatus({ code: this.api.SpanStatusCode.ERROR, message });
    }
    span.end();
  }

  /**
   * The context a request's span continues: the trace in its `params._meta`, else, when no span
   * is active already (as an HTTP instrumentation makes one), the trace in its HTTP headers.
   */
  private parentContext(
    active: Context,
    meta: Record<string, unknown> | undefined,
    headers: Record<string, string> | undefined,
  ): Context {
    const { propagation, trace } = this.api;
    if (typeof meta?.traceparent === 'string') return propagation.extract(active, meta);
    if (headers && trace.getSpan(active) === undefined) return propagation.extract(active, headers);
    return active;
  }

  private observeGauge(
    subscription: Subscription,
    name: string,
    unit: string,
    description: string,
    callback: ObservableCallback,
  ): void {
    const gauge: ObservableGauge = this.meter.createObservableGauge(name, { unit, description });
    gauge.addCallback(callback);
    subscription.add(() => gauge.removeCallback(callback));
  }
}
