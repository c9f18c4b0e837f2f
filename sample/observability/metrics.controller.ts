import { Controller, Get, Header } from '@nestjs/common';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { prometheusExporter } from './prometheus.js';

/** `GET /metrics`: the module's metrics in the Prometheus text format. */
@Controller('metrics')
export class MetricsController {
  private readonly serializer = new PrometheusSerializer();

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    const { resourceMetrics } = await prometheusExporter().collect();
    return this.serializer.serialize(resourceMetrics);
  }
}
