import { metrics, trace } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { NO_TELEMETRY } from './mcp-telemetry.js';
import { loadTelemetry } from './telemetry.loader.js';

describe('loadTelemetry', () => {
  afterEach(() => {
    metrics.disable();
    trace.disable();
  });

  it('measures nothing while no meter or tracer provider is registered', async () => {
    expect(await loadTelemetry(true)).toBe(NO_TELEMETRY);
  });

  it('measures nothing with telemetry: false, even with providers registered', async () => {
    metrics.setGlobalMeterProvider(new MeterProvider());
    trace.setGlobalTracerProvider(new TracerProvider());

    expect(await loadTelemetry(false)).toBe(NO_TELEMETRY);
  });

  it('turns on with a meter provider alone, and with a tracer provider alone', async () => {
    metrics.setGlobalMeterProvider(new MeterProvider());
    expect((await loadTelemetry(true)).enabled).toBe(true);
    metrics.disable();

    trace.setGlobalTracerProvider(new TracerProvider());
    expect((await loadTelemetry(true)).enabled).toBe(true);
  });
});
