import type { WebStandardStreamableHTTPServerTransportOptions } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { ResolvedMcpSessionOptions } from '../options/mcp-session-options.resolver.js';
import type {
  McpTransport,
  McpTransportFactory,
  SessionTransportSettings,
} from './mcp-transport.interface.js';
import { NativeSessionTransport } from './native/native-session.transport.js';
import type { SdkLine } from './sdk-lines.js';

/**
 * Makes the session transports, for the SDK line of the server they serve, in the configured
 * response mode (SSE, or JSON), keep-alive and retry interval: the SDK's web-standard transports
 * (`transport: 'sdk'`, JSON mode through `jsonResponseTransport`), or the module's Node-native
 * transport with the line's rules (`transport: 'native'`).
 */
export class SdkTransportFactory implements McpTransportFactory {
  constructor(
    private readonly options: Pick<
      ResolvedMcpSessionOptions,
      'jsonResponse' | 'keepAliveInterval' | 'retryInterval' | 'transport' | 'maxRequestBodySize'
    >,
  ) {}

  forSession(line: SdkLine, settings: SessionTransportSettings): McpTransport {
    if (this.options.transport === 'native') {
      return this.native(line, {
        sessionId: settings.sessionId,
        eventStore: settings.eventStore,
        retryInterval: this.options.retryInterval,
        onInitialized: settings.onInitialized,
        onDeleted: settings.onDeleted,
      });
    }
    return this.create(line, {
      sessionIdGenerator: () => settings.sessionId,
      eventStore: settings.eventStore,
      retryInterval: this.options.retryInterval,
      onsessioninitialized: () => settings.onInitialized(),
      onsessionclosed: settings.onDeleted,
    });
  }

  forStatelessRequest(line: SdkLine): McpTransport {
    if (this.options.transport === 'native') {
      return this.native(line, {
        sessionId: undefined,
        eventStore: undefined,
        retryInterval: undefined,
      });
    }
    return this.create(line, { sessionIdGenerator: undefined });
  }

  private native(
    line: SdkLine,
    settings: Pick<
      ConstructorParameters<typeof NativeSessionTransport>[0],
      'sessionId' | 'eventStore' | 'retryInterval' | 'onInitialized' | 'onDeleted'
    >,
  ): McpTransport {
    return new NativeSessionTransport({
      ...settings,
      rules: line.rules,
      jsonResponse: this.options.jsonResponse,
      keepAliveMs: this.options.keepAliveInterval,
      maxRequestBodySize: this.options.maxRequestBodySize,
    });
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
