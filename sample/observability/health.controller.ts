import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { McpSessionHealthIndicator } from '../../src/index.js';

/**
 * `GET /health`: terminus's JSON, 200 while the MCP endpoint runs, 503 once it drains at shutdown
 * (or, with Redis, when Redis or this replica's heartbeat fails).
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly mcp: McpSessionHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.mcp.isHealthy('mcp')]);
  }
}
