import type { WebStandardStreamableHTTPServerTransportOptions } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { ResolvedMcpSessionOptions } from '../options/mcp-session-options.resolver.js';
import type {
  McpTransport,
  McpTransportFactory,
  SessionTransportSettings,
} from './mcp-transport.interface.js';
import type { SdkLine } from './sdk-lines.js';

/**
 * Makes the SDK's web-standard session transports, of the SDK line of the server they serve, in
 * the configured response mode (SSE, or JSON with `jsonResponseTransport`), keep-alive and retry
 * interval.
 */
export class SdkTransportFactory implements McpTransportFactory {
  constructor(
    private readonly options: Pick<
      ResolvedMcpSessionOptions,
      'jsonResponse' | 'keepAliveInterval' | 'retryInterval'
    >,
  ) {}

  forSession(line: SdkLine, settings: SessionTransportSettings): McpTransport {
    return this.create(line, {
      sessionIdGenerator: () => settings.sessionId,
      eventStore: settings.eventStore,
      retryInterval: this.options.retryInterval,
      onsessioninitialized: () => settings.onInitialized(),
      onsessionclosed: settings.onDeleted,
    });
  }

  forStatelessRequest(line: SdkLine): McpTransport {
    return this.create(line, { sessionIdGenerator: undefined });
  }

  private create(
    line: SdkLine,
    settings: WebStandardStreamableHTTPServerTransportOptions,
  ): McpTransport {
    const options = {
      ...settings,
      enableJsonResponse: this.options.jsonResponse,
      keepAliveMs: this.options.keepAliveInterval,
    };
    return line.transport(options, this.options.jsonResponse);
  }
}
