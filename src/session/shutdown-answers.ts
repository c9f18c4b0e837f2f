import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { ServerResponse } from 'node:http';
import type { JSONRPCErrorResponse, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { CUT_BY_SHUTDOWN } from '../http/json-rpc-error.js';

/** Requests still being answered through one transport when the grace period ends. */
export interface RequestsInFlight {
  transport: Pick<Transport, 'send'>;
  requestIds: RequestId[];
}

function cutAnswer(id: RequestId): JSONRPCErrorResponse {
  return { jsonrpc: '2.0', id, error: { ...CUT_BY_SHUTDOWN } };
}

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
    try {
      await transport.send(cutAnswer(id), { relatedRequestId: id });
    } catch {
      // The transport no longer holds a stream for this request: nothing is waiting on it.
    }
  }
}

/**
 * Answers the requests of a response relayed from another replica (which has no transport here),
 * in the response's own format: a JSON body if nothing was sent yet, else SSE events on the
 * stream; then ends it. A JSON body already started cannot take another answer, so it is left
 * for the caller to end.
 */
export function writeCutAnswers(res: ServerResponse, requestIds: RequestId[]): void {
  if (requestIds.length === 0 || res.writableEnded || res.destroyed) return;
  const answers = requestIds.map(cutAnswer);
  if (!res.headersSent) {
    const body = JSON.stringify(answers.length === 1 ? answers[0] : answers);
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
    return;
  }
  if (!String(res.getHeader('content-type')).startsWith('text/event-stream')) return;
  for (const answer of answers) res.write(`event: message\ndata: ${JSON.stringify(answer)}\n\n`);
  res.end();
}
