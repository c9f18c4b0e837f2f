import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface.js';

/**
 * CORS settings for browser-based MCP clients: the MCP request headers are allowed, and
 * `Mcp-Session-Id` is exposed so that a page can read the session id it was given.
 * Use it with `app.enableCors(mcpCorsOptions(['https://app.example.com']))`, and list the same
 * origins in the `security.allowedOrigins` option.
 *
 * @publicApi
 * @param origin the origins allowed to call the endpoint, as Nest's `enableCors` takes them
 */
export function mcpCorsOptions(origin: CorsOptions['origin']): CorsOptions {
  return {
    origin,
    methods: ['GET', 'POST', 'DELETE'],
    allowedHeaders: [
      'Content-Type',
      'Accept',
      'Authorization',
      'Mcp-Session-Id',
      'Mcp-Protocol-Version',
      'Last-Event-ID',
    ],
    exposedHeaders: ['Mcp-Session-Id'],
    maxAge: 600,
  };
}
