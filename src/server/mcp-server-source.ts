import type { ModuleRef } from '@nestjs/core';
import type {
  McpServerContext,
  McpServerFactory,
  McpServerInstance,
} from './mcp-server-factory.interface.js';
import { createServer, findServerFactory } from './mcp-server-factory.resolver.js';

/**
 * Where new MCP servers come from: the application's factory under `MCP_SERVER_FACTORY`, found
 * once the application's modules exist (at module init), and checked on every call.
 */
export class McpServerSource {
  private factory: McpServerFactory | undefined;

  /**
   * Finds the application's factory.
   *
   * @throws Error saying how to provide one, when there is none or it is not a function.
   */
  bind(moduleRef: ModuleRef): void {
    this.factory = findServerFactory(moduleRef);
  }

  /** A new, unconnected server for `context`. */
  create(context: McpServerContext): Promise<McpServerInstance> {
    if (!this.factory) throw new Error('The MCP server factory is used before module init');
    return createServer(this.factory, context);
  }
}
