import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

/** Whether the sample serves `/metrics` and `/health` (`MCP_METRICS=true`; off by default). */
export function observabilityEnabled(): boolean {
  return process.env.MCP_METRICS === 'true';
}

let exporter: PrometheusExporter | undefined;

/**
 * The sample's OpenTelemetry metrics: a meter provider whose one reader is the Prometheus
 * exporter, registered globally. Called before the application is created, so the module finds
 * the provider when it starts. The exporter's own HTTP server is not started: `/metrics` is served
 * on the application's port by {@link MetricsController}.
 */
export function prometheusExporter(): PrometheusExporter {
  if (!exporter) {
    exporter = new PrometheusExporter({ preventServerStart: true });
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [exporter] }));
  }
  return exporter;
}
