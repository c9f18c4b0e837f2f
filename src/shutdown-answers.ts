import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCErrorResponse, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { JsonRpcErrorCode } from './http/json-rpc-error.js';

/** Requests still being answered through one transport when the grace period ends. */
export interface RequestsInFlight {
  transport: Pick<Transport, 'send'>;
  requestIds: RequestId[];
}

/** The error of a request that the shutdown grace period cut short. */
export const CUT_BY_SHUTDOWN = {
  code: JsonRpcErrorCode.ServerError,
  message: 'Service Unavailable: the server shut down before this request finished',
} as const;

/**
 * Answers each request with {@link CUT_BY_SHUTDOWN} for its own id, through the transport that
 * serves it: the error goes on the request's own SSE stream, or into its own JSON response, and
 * the transport then ends that response as it would after a result. The client's call fails at
 * once, rather than when its own timeout (often 60 s) runs out. A request whose stream is already
 * gone is skipped.
 */
export async function answerCutRequests({
  transport,
  requestIds,
}: RequestsInFlight): Promise<void> {
  for (const id of requestIds) {
    const answer: JSONRPCErrorResponse = { jsonrpc: '2.0', id, error: { ...CUT_BY_SHUTDOWN } };
    try {
      await transport.send(answer, { relatedRequestId: id });
    } catch {
      // The transport no longer holds a stream for this request: nothing is waiting on it.
    }
  }
}
