import {
  context,
  metrics,
  propagation,
  SpanKind,
  trace,
  type Attributes,
} from '@opentelemetry/api';
import type { NextFunction, Request, Response } from 'express';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { DataPointType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

/** A metric reader that collects only when the test asks. */
class TestMetricReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** One data point of a collected metric: its attributes, and its value or histogram. */
export interface Point {
  attributes: Attributes;
  /** A counter's or gauge's value; a histogram's count. */
  value: number;
  /** A histogram's bucket boundaries. */
  boundaries?: number[];
  /** A histogram's sum. */
  sum?: number;
}

/** The OpenTelemetry SDK of one spec, registered globally: real readers, read on demand. */
export interface TestTelemetry {
  /** The points of the metric `name`, as a reader collects them now (empty when none). */
  points(name: string): Promise<Point[]>;
  /** The value of the point of `name` whose attributes include `attributes` (0 when none). */
  value(name: string, attributes?: Attributes): Promise<number>;
  /** The spans ended so far. */
  spans(): ReadableSpan[];
  uninstall(): Promise<void>;
}

/**
 * Registers a meter provider with an in-memory reader, a tracer provider with an in-memory span
 * exporter, the async-hooks context manager and the W3C propagators, as an application's
 * OpenTelemetry setup would, before the module starts.
 */
export function installTelemetry(): TestTelemetry {
  const reader = new TestMetricReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
  );
  metrics.setGlobalMeterProvider(meterProvider);
  trace.setGlobalTracerProvider(tracerProvider);
  const points = async (name: string): Promise<Point[]> => {
    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics
      .flatMap((scope) => scope.metrics)
      .find((found) => found.descriptor.name === name);
    if (!metric) return [];
    return metric.dataPoints.map((point) => {
      if (metric.dataPointType === DataPointType.HISTOGRAM) {
        const histogram = point.value as {
          count: number;
          sum: number;
          buckets: { boundaries: number[] };
        };
        return {
          attributes: point.attributes,
          value: histogram.count,
          sum: histogram.sum,
          boundaries: histogram.buckets.boundaries,
        };
      }
      return { attributes: point.attributes, value: point.value as number };
    });
  };
  return {
    points,
    async value(name, attributes = {}) {
      const found = (await points(name)).filter((point) =>
        Object.entries(attributes).every(([key, value]) => point.attributes[key] === value),
      );
      return found.reduce((sum, point) => sum + point.value, 0);
    },
    spans: () => exporter.getFinishedSpans(),
    async uninstall() {
      await Promise.all([meterProvider.shutdown(), tracerProvider.shutdown()]);
      metrics.disable();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/**
 * Express middleware doing what an HTTP instrumentation does: a SERVER span named
 * `HTTP {method}` per request, active while the request is handled, ended with its response.
 */
export function httpSpans(request: Request, response: Response, next: NextFunction): void {
  const span = trace
    .getTracer('test-http')
    .startSpan(`HTTP ${request.method}`, { kind: SpanKind.SERVER });
  response.on('close', () => span.end());
  context.with(trace.setSpan(context.active(), span), next);
}
