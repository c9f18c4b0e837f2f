import type { ModuleRef } from '@nestjs/core';
import type {
  McpRequestStateCodec,
  McpServerContext,
  McpServerEra,
  McpServerFactory,
} from './mcp-server-factory.interface.js';
import {
  type BuiltServer,
  createServer,
  findServerFactory,
} from './mcp-server-factory.resolver.js';
import type { SdkLine, SdkLines } from './sdk-lines.js';

/** What a caller tells the factory; the source adds the request-state codec. */
export type ServerRequestContext = Omit<McpServerContext, 'requestState'>;

/**
 * Where new MCP servers come from: the application's factory under `MCP_SERVER_FACTORY`, found
 * once the application's modules exist (at module init), and checked on every call.
 */
export class McpServerSource {
  private factory: McpServerFactory | undefined;
  private probedLine: SdkLine | undefined;

  constructor(
    readonly lines: SdkLines,
    private readonly requestState: McpRequestStateCodec | undefined,
  ) {}

  /**
   * Finds the application's factory, and learns which SDK line it builds on for `era` by building
   * one server, never connected: for `modern` when 2026-07-28 requests may be served (so a factory
   * may keep SDK v1 servers for its sessions and give the 2026-07-28 era SDK v2 ones), else for
   * `legacy`.
   *
   * @throws Error saying how to provide a factory, when there is none, it is not a function, or
   * it does not build a server of an installed SDK line.
   */
  async bind(moduleRef: ModuleRef, era: McpServerEra): Promise<void> {
    this.factory = findServerFactory(moduleRef);
    try {
      const probe = await this.create({
        era,
        sessionId: undefined,
        principal: undefined,
        state: {},
      });
      this.probedLine = probe.line;
    } catch (error) {
      throw new Error(
        `The MCP server factory failed when McpSessionModule called it at bootstrap to learn its SDK line (with era '${era}', no session id, no principal): ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  /** The SDK line of the server the factory built at bootstrap, once bound. */
  get line(): SdkLine | undefined {
    return this.probedLine;
  }

  /** A new, unconnected server for `context`, with its SDK line. */
  create(context: ServerRequestContext): Promise<BuiltServer> {
    if (!this.factory) throw new Error('The MCP server factory is used before module init');
    return createServer(this.factory, { ...context, requestState: this.requestState }, this.lines);
  }
}
