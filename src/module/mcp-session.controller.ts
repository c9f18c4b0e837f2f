import { All, Controller, Req, Res, type Type } from '@nestjs/common';
import type { PlatformRequest, PlatformResponse } from '../http/platform-exchange.js';
import { SessionManager } from '../session/session-manager.service.js';

/**
 * Creates the controller of one module registration. Each registration gets its own class, so
 * that the endpoint path resolved from its options is set on that class alone.
 */
export function createMcpSessionController(): Type<unknown> {
  /** Serves the MCP endpoint: POST, GET and DELETE, and 405 with `Allow` for any other method. */
  @Controller()
  class McpSessionController {
    constructor(private readonly sessions: SessionManager) {}

    /**
     * The SDK transport writes the response itself, so the platform's response (Express's, or
     * Fastify's reply) is handed over.
     */
    @All()
    async handle(@Req() req: PlatformRequest, @Res() res: PlatformResponse): Promise<void> {
      await this.sessions.handleRequest(req, res);
    }
  }
  return McpSessionController;
}
