import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type {
  JSONRPCMessage,
  MessageExtraInfo,
  RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import type { ScopedEventStore } from '../../event-store/session-event-store.interface.js';
import type { AuthInfo } from '../../protocol/json-rpc.js';
import type { McpTransport } from '../mcp-transport.interface.js';
import {
  type EventStream,
  type Exchange,
  NodeExchange,
  type ResponseHeaders,
  WebExchange,
} from './exchange.js';
import { handlerExtra } from './handler-extra.js';
import { type InboundRequest, nodeInbound, webInbound } from './inbound-request.js';
import { isRequest, isResponse } from './json-rpc-message.js';
import {
  getHeadersRefusal,
  messagesOf,
  postHeadersRefusal,
  readPostBody,
  type Refusal,
  sessionRefusal,
  versionRefusal,
} from './request-checks.js';
import { PendingAnswers } from './pending-answers.js';
import { type OpenResponse, ResponseTable, STANDALONE_STREAM } from './response-table.js';
import { messageEvent, primingEvent, sseHeaders } from './sse-events.js';
import { primesStreams, type SessionProtocolRules } from './session-protocol-rules.js';

/** What the Node-native transport is made with: the SDK transport's options it honours. */
export interface NativeTransportOptions {
  /** The session's id; `undefined` for a stateless request's transport. */
  sessionId: string | undefined;
  rules: SessionProtocolRules;
  jsonResponse: boolean;
  eventStore: ScopedEventStore | undefined;
  retryInterval: number | undefined;
  keepAliveMs: number;
  maxRequestBodySize: number;
  onInitialized?: () => void;
  onDeleted?: () => Promise<void>;
}

/**
 * A Streamable HTTP session transport written on Node's request and response, without the
 * web-standard bridge: the SDK's `Transport` to the server, and the wire rules of the SDK's own
 * web-standard transport to the client (statuses, error bodies, priming events, `retry:`,
 * `Last-Event-ID` replay, the one standalone `GET` stream, keep-alives, JSON mode, `DELETE`),
 * of the SDK line in `rules`. Requests forwarded by another replica or replayed at wake-up come
 * as web-standard requests, and are answered by the same rules (`handleRequest`).
 */
export class NativeSessionTransport implements McpTransport {
  sessionId: string | undefined;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;

  private started = false;
  private served = false;
  private initialized = false;
  private closed = false;
  private readonly responses: ResponseTable;
  private readonly pending = new PendingAnswers();
  private readonly resumable = new Set<string>();

  constructor(private readonly options: NativeTransportOptions) {
    this.responses = new ResponseTable(options.keepAliveMs, () => this.closed);
  }

  /**
   * What the transport holds for requests in progress: requests awaiting their answer, and open
   * responses (POST streams, JSON responses, the standalone stream). Both are zero once every
   * request has ended.
   */
  get held(): { requests: number; responses: number } {
    return { requests: this.pending.size, responses: this.responses.size };
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('Transport already started');
    this.started = true;
  }

  /**
   * Serves a request of this process's client, writing the answer on `res`; settles when the
   * response has ended, as a request served through the bridge does.
   */
  async handleNodeRequest(
    req: IncomingMessage,
    res: ServerResponse,
    extra: { parsedBody?: unknown; authInfo?: AuthInfo },
  ): Promise<void> {
    const ended = res.closed ? undefined : new Promise((resolve) => res.once('close', resolve));
    await this.serve(nodeInbound(req, extra.parsedBody, extra.authInfo), new NodeExchange(res));
    await ended;
  }

  async handleRequest(
    request: Request,
    extra?: { parsedBody?: unknown; authInfo?: AuthInfo },
  ): Promise<Response> {
    const exchange = new WebExchange();
    await this.serve(webInbound(request, extra?.parsedBody, extra?.authInfo), exchange);
    return exchange.response;
  }

  closeStandaloneSSEStream(): void {
    this.responses.get(STANDALONE_STREAM)?.cleanup();
  }

  /** Ends the SSE stream that carries `requestId`'s answer; the client may resume it. */
  closeSSEStream(requestId: RequestId): void {
    const streamId = this.pending.streamOf(requestId);
    if (streamId !== undefined) this.responses.get(streamId)?.cleanup();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.responses.cleanupAll();
    this.pending.dropAnswers();
    this.resumable.clear();
    this.onclose?.();
  }

  private async serve(request: InboundRequest, exchange: Exchange): Promise<void> {
    if (this.closed) return this.fail(exchange, 404, -32001, 'Session not found');
    if (this.options.sessionId === undefined && this.served) {
      throw new Error(
        'Stateless transport cannot be reused across requests. Create a new transport per request.',
      );
    }
    this.served = true;
    switch (request.method) {
      case 'POST':
        return this.servePost(request, exchange);
      case 'GET':
        return this.serveGet(request, exchange);
      case 'DELETE':
        return this.serveDelete(request, exchange);
      default:
        this.onerror?.(new Error('Method not allowed.'));
        return this.fail(exchange, 405, -32000, 'Method not allowed.', {
          allow: 'GET, POST, DELETE',
        });
    }
  }

  /** Answers with a JSON-RPC error of `id: null`, as the SDK transport words its errors. */
  private fail(
    exchange: Exchange,
    status: number,
    code: number,
    message: string,
    headers: ResponseHeaders = {},
    data?: unknown,
  ): void {
    const error = data === undefined ? { code, message } : { code, message, data };
    exchange.reply(
      status,
      { 'content-type': 'application/json', ...headers },
      JSON.stringify({ jsonrpc: '2.0', error, id: null }),
    );
  }

  /** Reports a refusal to `onerror` and answers it: most of the SDK transport's refusals. */
  private refuse(exchange: Exchange, refusal: Refusal): void {
    this.onerror?.(new Error(refusal.message));
    this.fail(exchange, refusal.status, refusal.code, refusal.message);
  }

  private async servePost(request: InboundRequest, exchange: Exchange): Promise<void> {
    try {
      const refusal = postHeadersRefusal(request);
      if (refusal) return this.refuse(exchange, refusal);
      const read = await readPostBody(request, this.options.maxRequestBodySize);
      if ('refusal' in read) return this.refuse(exchange, read.refusal);
      const parsed = messagesOf(read.body, this.options.rules);
      if ('refusal' in parsed) return this.refuse(exchange, parsed.refusal);
      await this.dispatch(request, exchange, parsed.messages);
    } catch (error) {
      this.onerror?.(error as Error);
      this.fail(exchange, 400, -32700, 'Parse error', {}, String(error));
    }
  }

  private async dispatch(
    request: InboundRequest,
    exchange: Exchange,
    messages: JSONRPCMessage[],
  ): Promise<void> {
    if (this.closed) return this.fail(exchange, 404, -32001, 'Session not found');
    const { rules } = this.options;
    const initialize = messages.find(
      (message) =>
        'method' in message &&
        message.method === 'initialize' &&
        rules.isInitializeRequest(message),
    );
    if (initialize) {
      if (this.initialized && this.sessionId !== undefined) {
        return this.refuse(exchange, {
          status: 400,
          code: -32600,
          message: 'Invalid Request: Server already initialized',
        });
      }
      if (messages.length > 1) {
        return this.refuse(exchange, {
          status: 400,
          code: -32600,
          message: 'Invalid Request: Only one initialization request is allowed',
        });
      }
      this.sessionId = this.options.sessionId;
      this.initialized = true;
      if (this.sessionId !== undefined) this.options.onInitialized?.();
    } else if (!this.admits(request, exchange)) {
      return;
    }
    if (this.closed) return this.fail(exchange, 404, -32001, 'Session not found');
    if (!messages.some(isRequest)) {
      const extra = handlerExtra(request, rules);
      for (const message of messages) this.onmessage?.(message, extra);
      return exchange.reply(202, {});
    }
    const version =
      (initialize as { params?: { protocolVersion?: string } } | undefined)?.params
        ?.protocolVersion ??
      request.headers['mcp-protocol-version'] ??
      rules.defaultProtocolVersion;
    if (this.options.jsonResponse) return this.answerAsJson(request, exchange, messages);
    return this.answerAsStream(request, exchange, messages, version);
  }

  private answerAsJson(
    request: InboundRequest,
    exchange: Exchange,
    messages: JSONRPCMessage[],
  ): void {
    const streamId = randomUUID();
    this.responses.openJson(streamId, (answers) => {
      const headers: ResponseHeaders = { 'content-type': 'application/json' };
      if (this.sessionId !== undefined) headers['mcp-session-id'] = this.sessionId;
      exchange.reply(200, headers, JSON.stringify(answers.length === 1 ? answers[0] : answers));
    });
    this.pending.expect(requestIdsOf(messages), streamId);
    const extra = handlerExtra(request, this.options.rules);
    for (const message of messages) this.onmessage?.(message, extra);
  }

  private async answerAsStream(
    request: InboundRequest,
    exchange: Exchange,
    messages: JSONRPCMessage[],
    version: string,
  ): Promise<void> {
    const streamId = randomUUID();
    const events = exchange.eventStream();
    const open = this.responses.openStream(streamId, events);
    const requestIds = requestIdsOf(messages);
    this.pending.expect(requestIds, streamId);
    const resumable =
      this.options.eventStore !== undefined && primesStreams(this.options.rules, version);
    try {
      if (resumable) await this.writePrimingEvent(events, streamId);
      const extra = handlerExtra(request, this.options.rules);
      for (const message of messages) {
        if (resumable && isRequest(message)) {
          this.onmessage?.(message, {
            ...extra,
            closeSSEStream: () => this.closeSSEStream(message.id),
            closeStandaloneSSEStream: () => this.closeStandaloneSSEStream(),
          } as MessageExtraInfo);
        } else {
          this.onmessage?.(message, extra);
        }
      }
    } catch (error) {
      this.responses.get(streamId)?.cleanup();
      this.resumable.delete(streamId);
      this.pending.forget(requestIds);
      throw error;
    }
    if (this.responses.get(streamId) === open) open.keepAlive();
    events.open(sseHeaders(this.sessionId));
  }

  private async writePrimingEvent(events: EventStream, streamId: string): Promise<void> {
    const eventId = await this.options.eventStore!.storeEvent(streamId, {} as JSONRPCMessage);
    events.write(primingEvent(eventId, this.options.retryInterval));
    this.resumable.add(streamId);
  }

  private writeEvent(events: EventStream, message: JSONRPCMessage, eventId?: string): boolean {
    const written = events.write(messageEvent(message, eventId));
    if (!written) this.onerror?.(new Error('Invalid state: the stream is closed'));
    return written;
  }

  private async serveGet(request: InboundRequest, exchange: Exchange): Promise<void> {
    const refusal = getHeadersRefusal(request);
    if (refusal) return this.refuse(exchange, refusal);
    if (!this.admits(request, exchange)) return;
    const lastEventId = request.headers['last-event-id'];
    if (this.options.eventStore && lastEventId) return this.replay(lastEventId, exchange);
    if (this.responses.has(STANDALONE_STREAM)) {
      return this.refuse(exchange, {
        status: 409,
        code: -32000,
        message: 'Conflict: Only one SSE stream is allowed per session',
      });
    }
    const events = exchange.eventStream();
    const open = this.responses.openStream(STANDALONE_STREAM, events);
    open.keepAlive();
    events.open(sseHeaders(this.sessionId));
  }

  /** A resumed stream: the events after `lastEventId`, then the stream's later events. */
  private async replay(lastEventId: string, exchange: Exchange): Promise<void> {
    const store = this.options.eventStore!;
    try {
      const streamId = await store.getStreamIdForEventId(lastEventId);
      if (!streamId) {
        return this.refuse(exchange, {
          status: 400,
          code: -32000,
          message: 'Invalid event ID format',
        });
      }
      if (this.responses.has(streamId)) {
        return this.refuse(exchange, {
          status: 409,
          code: -32000,
          message: 'Conflict: Stream already has an active connection',
        });
      }
      const events = exchange.eventStream();
      let cancelled = false;
      events.onCancel = () => (cancelled = true);
      const replayedEventIds = new Set<string>();
      const replayedStreamId = await store.replayEventsAfter(lastEventId, {
        send: async (eventId, message) => {
          if (this.writeEvent(events, message as JSONRPCMessage, eventId))
            replayedEventIds.add(eventId);
          else events.end();
        },
      });
      if (this.closed || cancelled) {
        events.end();
        return this.fail(exchange, 404, -32001, 'Session not found');
      }
      this.responses.get(replayedStreamId)?.cleanup();
      const open = this.responses.openStream(replayedStreamId, events, replayedEventIds);
      this.resumable.add(replayedStreamId);
      open.keepAlive();
      events.open(sseHeaders(this.sessionId));
    } catch (error) {
      this.onerror?.(error as Error);
      this.fail(exchange, 500, -32000, 'Error replaying events');
    }
  }

  private async serveDelete(request: InboundRequest, exchange: Exchange): Promise<void> {
    if (!this.admits(request, exchange)) return;
    try {
      await this.options.onDeleted?.();
      exchange.reply(200, {});
    } finally {
      await this.close();
    }
  }

  /**
   * False, once the refusal is answered, when the request does not name this initialized session
   * or names a protocol version the line does not speak.
   */
  private admits(request: InboundRequest, exchange: Exchange): boolean {
    const refusal =
      sessionRefusal(request, this.options.sessionId, this.initialized) ??
      versionRefusal(request, this.options.rules);
    if (refusal) this.refuse(exchange, refusal);
    return refusal === undefined;
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const answer = isResponse(message);
    const requestId = answer ? message.id : options?.relatedRequestId;
    if (requestId === undefined) return this.sendStandalone(message, answer);
    if (this.options.jsonResponse && 'method' in message && 'id' in message) {
      // A JSON response carries only the call's result: a server-to-client request made during
      // the call could never reach the client, so it fails at once instead of timing out.
      throw new Error(
        `Cannot send "${message.method}" to the client during a call in JSON-response mode: a JSON response has no stream for it. Use SSE responses (jsonResponse: false).`,
      );
    }
    const streamId = this.pending.streamOf(requestId);
    if (streamId === undefined) {
      throw new Error(`No connection established for request ID: ${String(requestId)}`);
    }
    let open = this.responses.get(streamId);
    if (!this.options.jsonResponse) {
      let eventId: string | undefined;
      if (this.options.eventStore) {
        eventId = await this.options.eventStore.storeEvent(streamId, message);
        open = this.responses.get(streamId);
      }
      if (open?.events && (eventId === undefined || !open.replayedEventIds?.has(eventId))) {
        if (this.writeEvent(open.events, message, eventId) && eventId !== undefined) {
          this.resumable.add(streamId);
        }
      }
    }
    if (answer) this.completeAnswer(requestId, streamId, message, open);
  }

  private async sendStandalone(message: JSONRPCMessage, answer: boolean): Promise<void> {
    if (answer) {
      throw new Error(
        'Cannot send a response on a standalone SSE stream unless resuming a previous client request',
      );
    }
    const eventId = await this.options.eventStore?.storeEvent(STANDALONE_STREAM, message);
    const open = this.responses.get(STANDALONE_STREAM);
    if (open?.events && (eventId === undefined || !open.replayedEventIds?.has(eventId))) {
      this.writeEvent(open.events, message, eventId);
    }
  }

  /** Records an answer; once every request of its POST is answered, the response ends. */
  private completeAnswer(
    requestId: RequestId,
    streamId: string,
    message: JSONRPCMessage,
    open: OpenResponse | undefined,
  ): void {
    const answers = this.pending.complete(requestId, streamId, message);
    if (!answers) return;
    const resumable = this.resumable.delete(streamId);
    if (open) {
      if (open.answerJson) open.answerJson(answers);
      open.cleanup();
      return;
    }
    this.undeliverable(requestId, resumable);
  }

  /** An answer whose response is gone: the lines' transports differ in what they say of it. */
  private undeliverable(requestId: RequestId, resumable: boolean): void {
    const { eventStore, jsonResponse, rules } = this.options;
    const lost = `No connection established for request ID: ${String(requestId)}`;
    if (rules.line === 'v1') {
      if (this.closed || (!jsonResponse && eventStore && resumable)) return;
      throw new Error(lost);
    }
    if (jsonResponse) throw new Error(lost);
    if (!eventStore) {
      this.onerror?.(
        new Error(
          `Response for request ID ${String(requestId)} is undeliverable: per-request stream is disconnected and no eventStore is configured`,
        ),
      );
    }
  }
}

/** The ids of the requests among `messages`, in their order. */
function requestIdsOf(messages: JSONRPCMessage[]): RequestId[] {
  return messages.filter(isRequest).map((message) => message.id);
}
