import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { httpAdapterFrom } from './http-adapter.js';
import { observabilityEnabled, prometheusExporter } from './observability/prometheus.js';

/**
 * Starts the sample MCP server, on Express or, with `MCP_HTTP_ADAPTER=fastify`, on Fastify;
 * SIGTERM or SIGINT drain it and exit 0.
 */
async function bootstrap(): Promise<void> {
  // The meter provider is registered before the module starts, so the module finds it.
  if (observabilityEnabled()) prometheusExporter();
  const adapter = httpAdapterFrom(process.env.MCP_HTTP_ADAPTER);
  const app = adapter
    ? await NestFactory.create(AppModule, adapter)
    : await NestFactory.create(AppModule);
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? '127.0.0.1';
  await app.listen(port, host);
  const address = app.getHttpServer().address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  new Logger('Sample').log(`MCP endpoint ready at http://${host}:${boundPort}/mcp`);
}

bootstrap().catch((error: Error) => {
  new Logger('Sample').error(error.message);
  process.exit(1);
});
