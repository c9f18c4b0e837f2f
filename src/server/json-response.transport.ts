import type { WebStandardStreamableHTTPServerTransportOptions } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { McpTransport } from './mcp-transport.interface.js';

/** A web-standard session transport class of either SDK line. */
export type SessionTransportClass = new (
  options: WebStandardStreamableHTTPServerTransportOptions,
) => McpTransport;

/**
 * The transport of JSON-response mode, on either SDK line's web-standard transport (`Base`). It
 * corrects two things of the SDK transport it extends:
 *
 * - A JSON response carries only the result of a call, so a server-to-client request made during
 *   the call (sampling, elicitation) has no way to reach the client; the SDK transport drops it
 *   and the tool waits for its timeout. This transport refuses it at once instead, so the tool
 *   fails fast with a message that says why.
 * - The SDK v1 transport (`@modelcontextprotocol/sdk` 1.32.2) never releases the per-POST entry of
 *   its stream table once a JSON response is complete (its SSE branch does), so a long-lived
 *   session grows by about 5 KB per request. This transport releases it (the SDK v2 transport
 *   releases it itself, so there the release finds nothing to do). The defect, its smallest
 *   reproduction and when to remove this are in docs/SDK-DEFECTS.md; `json-response.transport.spec.ts`
 *   fails as soon as the SDK fixes it, or if this release stops working.
 */
export function jsonResponseTransport(Base: SessionTransportClass): SessionTransportClass {
  return class JsonResponseTransport extends Base {
    /** Not an async wrapper: every message sent passes here, and the SDK's send is async already. */
    override send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
      // A message with both a method and an id is a request; checked by shape, because this runs
      // for every message sent and a failing schema parse (every response) is costly.
      if ('method' in message) {
        if (options?.relatedRequestId !== undefined && 'id' in message) {
          return Promise.reject(
            new Error(
              `Cannot send "${message.method}" to the client during a call in JSON-response mode: a JSON response has no stream for it. Use SSE responses (jsonResponse: false).`,
            ),
          );
        }
        return super.send(message, options);
      }
      if (!('id' in message) || message.id === undefined) return super.send(message, options);
      const requestId = message.id;
      const tables = streamTables(this);
      const streamId = tables._requestToStreamMapping.get(requestId);
      const sent = super.send(message, options);
      if (streamId === undefined) return sent;
      return sent.then(() => releaseAnsweredStream(tables, requestId, streamId));
    }
  };
}

/**
 * The two tables of the SDK v1 transport that the release reads. They are private in the SDK's
 * types; `json-response.transport.spec.ts` checks that they are still there.
 */
export interface SdkStreamTables {
  /** One entry per open POST (and the standalone stream), by stream id. */
  _streamMapping: Map<string, { resolveJson?: unknown; cleanup(): void }>;
  /** The stream each in-flight request's response goes to. */
  _requestToStreamMapping: Map<RequestId, string>;
}

/** The SDK transport's stream tables, typed. */
export function streamTables(transport: McpTransport): SdkStreamTables {
  return transport as unknown as SdkStreamTables;
}

/**
 * Releases the stream entry of a POST whose JSON response has just been sent. The SDK drops a
 * request's correlation once every response of its POST is ready (a batch waits for all of
 * them), and that is the moment the entry has served its purpose. An entry whose correlation is
 * still there (a batch still waiting) is left alone.
 */
function releaseAnsweredStream(tables: SdkStreamTables, requestId: RequestId, streamId: string) {
  if (tables._requestToStreamMapping.get(requestId) === streamId) return;
  const stream = tables._streamMapping.get(streamId);
  // Only an answered JSON entry: an SSE stream (not this mode's) releases itself.
  if (stream?.resolveJson !== undefined) stream.cleanup();
}
