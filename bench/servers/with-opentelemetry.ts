/**
 * Preloaded (`--import`) into a server to run it with OpenTelemetry metrics and traces on, as an
 * application's setup would do before the module starts: a meter provider whose reader collects
 * every 10 s, a tracer provider that batches every span to an exporter, the async-hooks context
 * manager (engaged, as the SDK's first export engages it) and the W3C propagators. The exporters
 * drop what they get, so the figure is the cost of producing the telemetry in the server, not of
 * shipping it. With `BENCH_OTEL_SIGNALS=metrics`, only the meter provider is registered.
 */
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  ExportResultCode,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import {
  AggregationTemporality,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';

const metricExporter: PushMetricExporter = {
  export: (_metrics, done) => done({ code: ExportResultCode.SUCCESS }),
  forceFlush: async () => undefined,
  shutdown: async () => undefined,
  selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
};
const spanExporter: SpanExporter = {
  export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }),
  shutdown: async () => undefined,
};

metrics.setGlobalMeterProvider(
  new MeterProvider({
    readers: [
      new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 10_000 }),
    ],
  }),
);
if (process.env.BENCH_OTEL_SIGNALS !== 'metrics') {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
  );
  trace.setGlobalTracerProvider(
    new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: spanExporter })] }),
  );
  // Each export of the SDK runs in a context of its own (`context.with(suppressTracing(…))`),
  // which on a runtime without async context frames switches AsyncLocalStorage's promise hooks on
  // for the process. Started here, as at the application's first export: the state every traced
  // application runs in, whether the module makes spans or not.
  context.with(context.active(), () => undefined);
}
