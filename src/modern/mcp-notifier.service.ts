import { Inject, Injectable, Optional } from '@nestjs/common';
import type { ServerEventBus } from '@modelcontextprotocol/server';
import { MCP_SERVER_EVENT_BUS } from '../module/mcp-session.constants.js';

/**
 * Tells the clients listening with `subscriptions/listen` (2026-07-28) that the server's tools,
 * prompts or resources changed: inject it where they change. With `sessionStore: 'redis'` the
 * change reaches the listening clients of every replica. Without the SDK v2 (no 2026-07-28
 * serving) it does nothing. Sessions of 2025-era clients are told by their own server
 * (`server.sendToolListChanged()` and the like).
 *
 * @publicApi
 */
@Injectable()
export class McpNotifier {
  /** @internal Nest builds it. */
  constructor(
    @Optional() @Inject(MCP_SERVER_EVENT_BUS) private readonly bus: ServerEventBus | null,
  ) {}

  /** Publishes `notifications/tools/list_changed`. */
  toolsChanged(): void {
    this.bus?.publish({ kind: 'tools_list_changed' });
  }

  /** Publishes `notifications/prompts/list_changed`. */
  promptsChanged(): void {
    this.bus?.publish({ kind: 'prompts_list_changed' });
  }

  /** Publishes `notifications/resources/list_changed`. */
  resourcesChanged(): void {
    this.bus?.publish({ kind: 'resources_list_changed' });
  }

  /** Publishes `notifications/resources/updated` for `uri`. */
  resourceUpdated(uri: string): void {
    this.bus?.publish({ kind: 'resource_updated', uri });
  }
}
