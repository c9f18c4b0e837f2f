import type { McpServer, Server } from '@modelcontextprotocol/server';

/** A server of the 2026-07-28 leg: the SDK v2's high-level `McpServer` or its low-level `Server`. */
export type ModernServer = McpServer | Server;

/** Idle servers a pool keeps at most, over every principal. */
export const MAX_IDLE_MODERN_SERVERS = 64;

/** True when `server` is connected to no transport: its last exchange is over. */
function isIdle(server: ModernServer): boolean {
  return 'isConnected' in server ? !server.isConnected() : server.transport === undefined;
}

/**
 * The servers of finished 2026-07-28 requests, kept for later requests of the same principal
 * (option `reuseModernServers`): a request served by one of them does not call the factory, so
 * the server's tools, their schemas and the validators compiled from them are built once per
 * server instead of once per request. The SDK v2's handler sets up what belongs to a request (its
 * negotiated revision, the client's identity from `_meta`) on every exchange, and accepts a server
 * that served before once it is closed.
 *
 * A server is kept only when it is idle, for the principal it was built for (so that a server
 * never serves another principal than the factory was told), and while the pool holds fewer than
 * its capacity; the rest are dropped, so memory stays bounded whatever the traffic.
 */
export class ModernServerPool {
  private readonly idle = new Map<string | undefined, ModernServer[]>();
  private held = 0;

  constructor(private readonly capacity = MAX_IDLE_MODERN_SERVERS) {}

  /** An idle server built for `principal`, taken out of the pool; `undefined` when there is none. */
  take(principal: string | undefined): ModernServer | undefined {
    const servers = this.idle.get(principal);
    const server = servers?.pop();
    if (!server) return undefined;
    this.held--;
    if (servers!.length === 0) this.idle.delete(principal);
    return server;
  }

  /** Keeps `server`, built for `principal`, when it is idle and the pool has room. */
  release(principal: string | undefined, server: ModernServer): void {
    if (this.held >= this.capacity || !isIdle(server)) return;
    const servers = this.idle.get(principal);
    if (servers) servers.push(server);
    else this.idle.set(principal, [server]);
    this.held++;
  }

  /** The idle servers held. */
  get size(): number {
    return this.held;
  }

  /** Drops every idle server; at shutdown. */
  clear(): void {
    this.idle.clear();
    this.held = 0;
  }
}
