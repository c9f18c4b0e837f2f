import { Inject, Injectable } from '@nestjs/common';
import type { SessionCluster } from '../cluster/session-cluster.js';
import { MCP_SESSION_CLUSTER, MCP_SESSION_OPTIONS } from '../module/mcp-session.constants.js';
import type { ResolvedMcpSessionOptions } from '../options/mcp-session-options.resolver.js';
import type { EndpointPhase } from '../pipeline/endpoint-phase.js';
import { SessionManager } from '../session/session-manager.service.js';

/**
 * What the indicator reports under its key, in the shape `@nestjs/terminus` reads: `status`, and
 * the details beside it.
 *
 * @publicApi
 */
export interface McpSessionHealth {
  status: 'up' | 'down';
  /** `running` while serving; `draining` from the start of shutdown, which reports down. */
  phase: EndpointPhase;
  /** Sessions held by this process (in a cluster, by this replica). */
  sessions: number;
  maxSessions: number;
  /** With `sessionStore: 'redis'`: whether Redis answers a `PING`. */
  redis?: 'up' | 'down';
  /** With `sessionStore: 'redis'`: whether this replica's heartbeat is fresh, so it may serve. */
  heartbeat?: 'fresh' | 'stale';
}

/**
 * A health indicator for `@nestjs/terminus`'s `HealthCheckService`: up while the endpoint runs and
 * is not draining (and, with Redis, while Redis answers and this replica's heartbeat is fresh).
 * Draining reports down, so a load balancer stops sending traffic before shutdown completes.
 * It returns terminus's result shape and needs nothing of terminus itself.
 *
 * @example
 * ```ts
 * @Get('health')
 * @HealthCheck()
 * check() {
 *   return this.health.check([() => this.mcp.isHealthy('mcp')]);
 * }
 * ```
 *
 * @publicApi
 */
@Injectable()
export class McpSessionHealthIndicator {
  /** @internal Nest builds it. */
  constructor(
    private readonly sessions: SessionManager,
    @Inject(MCP_SESSION_OPTIONS) private readonly options: ResolvedMcpSessionOptions,
    @Inject(MCP_SESSION_CLUSTER) private readonly cluster: SessionCluster | null,
  ) {}

  /** The endpoint's health under `key`. */
  async isHealthy(key = 'mcp'): Promise<Record<string, McpSessionHealth>> {
    const { phase } = this.sessions;
    const health: McpSessionHealth = {
      status: 'up',
      phase,
      sessions: this.sessions.count(),
      maxSessions: this.options.maxSessions,
    };
    let up = phase === 'running';
    if (this.cluster) {
      health.redis = await this.cluster.client.ping().then(
        () => 'up' as const,
        () => 'down' as const,
      );
      health.heartbeat = this.cluster.isFresh() ? 'fresh' : 'stale';
      up &&= health.redis === 'up' && health.heartbeat === 'fresh';
    }
    health.status = up ? 'up' : 'down';
    return { [key]: health };
  }
}
