import { Logger } from '@nestjs/common';
import { NO_TELEMETRY, type McpTelemetry } from './mcp-telemetry.js';
import { OtelTelemetry, type OpenTelemetryApi } from './otel-telemetry.js';
import { INSTRUMENTATION_SCOPE } from './telemetry-names.js';

/**
 * The telemetry of one registration. `@opentelemetry/api` is an optional peer dependency, loaded
 * here only: without it, or when the application has registered neither a meter provider nor a
 * tracer provider before the module starts, the module measures nothing ({@link NO_TELEMETRY}).
 */
export async function loadTelemetry(enabled: boolean): Promise<McpTelemetry> {
  if (!enabled) return NO_TELEMETRY;
  let api: OpenTelemetryApi;
  try {
    api = await import('@opentelemetry/api');
  } catch {
    return NO_TELEMETRY;
  }
  const meter = api.metrics.getMeter(INSTRUMENTATION_SCOPE);
  const metricsOn = meter !== api.createNoopMeter();
  const provider = api.trace.getTracerProvider();
  const tracesOn =
    !(provider instanceof api.ProxyTracerProvider) ||
    provider.getDelegateTracer(INSTRUMENTATION_SCOPE) !== undefined;
  if (!metricsOn && !tracesOn) return NO_TELEMETRY;
  new Logger('McpSessionModule').log(
    `OpenTelemetry: ${[metricsOn && 'metrics', tracesOn && 'traces'].filter(Boolean).join(' and ')} on`,
  );
  return new OtelTelemetry(
    api,
    tracesOn ? api.trace.getTracer(INSTRUMENTATION_SCOPE) : undefined,
    metricsOn ? meter : undefined,
  );
}
