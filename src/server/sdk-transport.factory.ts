import {
  WebStandardStreamableHTTPServerTransport,
  type WebStandardStreamableHTTPServerTransportOptions,
} from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { ResolvedMcpSessionOptions } from '../options/mcp-session-options.resolver.js';
import { JsonResponseTransport } from './json-response.transport.js';
import type {
  McpTransport,
  McpTransportFactory,
  SessionTransportSettings,
} from './mcp-transport.interface.js';

/**
 * Makes the SDK v1 line's web-standard transports, in the configured response mode (SSE, or JSON
 * with {@link JsonResponseTransport}), keep-alive and retry interval.
 */
export class SdkTransportFactory implements McpTransportFactory {
  constructor(
    private readonly options: Pick<
      ResolvedMcpSessionOptions,
      'jsonResponse' | 'keepAliveInterval' | 'retryInterval'
    >,
  ) {}

  forSession(settings: SessionTransportSettings): McpTransport {
    return this.create({
      sessionIdGenerator: () => settings.sessionId,
      eventStore: settings.eventStore,
      retryInterval: this.options.retryInterval,
      onsessioninitialized: () => settings.onInitialized(),
      onsessionclosed: settings.onDeleted,
    });
  }

  forStatelessRequest(): McpTransport {
    return this.create({ sessionIdGenerator: undefined });
  }

  private create(settings: WebStandardStreamableHTTPServerTransportOptions): McpTransport {
    const options = {
      ...settings,
      enableJsonResponse: this.options.jsonResponse,
      keepAliveMs: this.options.keepAliveInterval,
    };
    return this.options.jsonResponse
      ? new JsonResponseTransport(options)
      : new WebStandardStreamableHTTPServerTransport(options);
  }
}
