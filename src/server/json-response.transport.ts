import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/**
 * The transport of JSON-response mode. A JSON response carries only the result of a call, so a
 * server-to-client request made during the call (sampling, elicitation) has no way to reach the
 * client; the SDK transport drops it and the tool waits for its timeout. This transport refuses
 * it at once instead, so the tool fails fast with a message that says why.
 */
export class JsonResponseTransport extends WebStandardStreamableHTTPServerTransport {
  /** Not an async wrapper: every message sent passes here, and the SDK's send is async already. */
  override send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    // A message with both a method and an id is a request; checked by shape, because this runs
    // for every message sent and a failing schema parse (every response) is costly.
    if (options?.relatedRequestId !== undefined && 'method' in message && 'id' in message) {
      return Promise.reject(
        new Error(
          `Cannot send "${message.method}" to the client during a call in JSON-response mode: a JSON response has no stream for it. Use SSE responses (jsonResponse: false).`,
        ),
      );
    }
    return super.send(message, options);
  }
}
