import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { ResponseHeaders } from './exchange.js';

/** The head of an SSE response, in the order the SDK transport's headers reach the wire. */
export function sseHeaders(sessionId: string | undefined): ResponseHeaders {
  const headers: ResponseHeaders = {
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'content-type': 'text/event-stream',
  };
  if (sessionId !== undefined) headers['mcp-session-id'] = sessionId;
  headers['x-accel-buffering'] = 'no';
  return headers;
}

/** The event that makes a stream resumable before its first message: its id, and `retry:`. */
export function primingEvent(eventId: string, retryMs: number | undefined): string {
  return retryMs === undefined
    ? `id: ${eventId}\ndata: \n\n`
    : `id: ${eventId}\nretry: ${retryMs}\ndata: \n\n`;
}

/** A message as an SSE event, with its id in the event store when it has one. */
export function messageEvent(message: JSONRPCMessage, eventId: string | undefined): string {
  const id = eventId ? `id: ${eventId}\n` : '';
  return `event: message\n${id}data: ${JSON.stringify(message)}\n\n`;
}

/** The comment that keeps an idle stream open through proxies. */
export const KEEP_ALIVE_EVENT = ': keepalive\n\n';
