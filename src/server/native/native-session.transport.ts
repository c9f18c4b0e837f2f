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
import { type InboundRequest, nodeInbound, webInbound } from './inbound-request.js';
import { isRequest, isResponse, parseMessage } from './json-rpc-message.js';
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

/** One open response of the transport: a POST's (SSE or JSON) or the standalone `GET` stream. */
interface OpenResponse {
  events?: EventStream;
  answerJson?: (messages: JSONRPCMessage[]) => void;
  replayedEventIds?: Set<string>;
  cleanup(): void;
}

const STANDALONE_STREAM = '_GET_stream';
const MAX_BATCH_SIZE = 100;
/** In the order the SDK transport's headers reach the wire through the bridge (by name). */
const SSE_HEADERS: ResponseHeaders = {
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'content-type': 'text/event-stream',
};

function isJsonContentType(value: string | undefined): boolean {
  return value?.split(';')[0].trim().toLowerCase() === 'application/json';
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
  private readonly responses = new Map<string, OpenResponse>();
  private readonly streamOfRequest = new Map<RequestId, string>();
  private readonly answers = new Map<RequestId, JSONRPCMessage>();
  private readonly resumable = new Set<string>();

  constructor(private readonly options: NativeTransportOptions) {}

  /**
   * What the transport holds for requests in progress: requests awaiting their answer, and open
   * responses (POST streams, JSON responses, the standalone stream). Both are zero once every
   * request has ended.
   */
  get held(): { requests: number; responses: number } {
    return { requests: this.streamOfRequest.size, responses: this.responses.size };
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
    const streamId = this.streamOfRequest.get(requestId);
    if (streamId !== undefined) this.responses.get(streamId)?.cleanup();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const open of [...this.responses.values()]) open.cleanup();
    this.responses.clear();
    this.answers.clear();
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

  /** Reports `message` to `onerror` and answers it: most of the SDK transport's refusals. */
  private refuse(exchange: Exchange, status: number, code: number, message: string): void {
    this.onerror?.(new Error(message));
    this.fail(exchange, status, code, message);
  }

  private async servePost(request: InboundRequest, exchange: Exchange): Promise<void> {
    try {
      const accept = request.headers.accept;
      if (!accept?.includes('application/json') || !accept.includes('text/event-stream')) {
        return this.refuse(
          exchange,
          406,
          -32000,
          'Not Acceptable: Client must accept both application/json and text/event-stream',
        );
      }
      if (!isJsonContentType(request.headers['content-type'])) {
        return this.refuse(
          exchange,
          415,
          -32000,
          'Unsupported Media Type: Content-Type must be application/json',
        );
      }
      const raw = await this.bodyOf(request, exchange);
      if (raw === NO_BODY) return;
      if (Array.isArray(raw) && raw.length > MAX_BATCH_SIZE) {
        return this.refuse(
          exchange,
          400,
          -32600,
          `Invalid Request: Batch must not exceed ${MAX_BATCH_SIZE} messages`,
        );
      }
      let messages: JSONRPCMessage[];
      try {
        const { parseMessage: parse } = this.options.rules;
        messages = Array.isArray(raw)
          ? raw.map((value) => parseMessage(value, parse))
          : [parseMessage(raw, parse)];
      } catch {
        return this.refuse(exchange, 400, -32700, 'Parse error: Invalid JSON-RPC message');
      }
      await this.dispatch(request, exchange, messages);
    } catch (error) {
      this.onerror?.(error as Error);
      this.fail(exchange, 400, -32700, 'Parse error', {}, String(error));
    }
  }

  /** The parsed body, or {@link NO_BODY} once a refusal has been answered. */
  private async bodyOf(request: InboundRequest, exchange: Exchange): Promise<unknown> {
    if (request.parsedBody !== undefined) return request.parsedBody;
    const limit = this.options.maxRequestBodySize;
    const refuseTooLarge = () => {
      this.refuse(
        exchange,
        413,
        -32000,
        `Payload Too Large: Request body must not exceed ${limit} bytes`,
      );
      return NO_BODY;
    };
    if (Number(request.headers['content-length']) > limit) return refuseTooLarge();
    try {
      const text = await request.readText();
      if (Buffer.byteLength(text) > limit) return refuseTooLarge();
      return JSON.parse(text);
    } catch {
      this.refuse(exchange, 400, -32700, 'Parse error: Invalid JSON');
      return NO_BODY;
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
        return this.refuse(exchange, 400, -32600, 'Invalid Request: Server already initialized');
      }
      if (messages.length > 1) {
        return this.refuse(
          exchange,
          400,
          -32600,
          'Invalid Request: Only one initialization request is allowed',
        );
      }
      this.sessionId = this.options.sessionId;
      this.initialized = true;
      if (this.sessionId !== undefined) this.options.onInitialized?.();
    } else if (!this.checkSession(request, exchange) || !this.checkVersion(request, exchange)) {
      return;
    }
    if (this.closed) return this.fail(exchange, 404, -32001, 'Session not found');
    if (!messages.some(isRequest)) {
      const extra = this.extraOf(request);
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
    this.responses.set(streamId, {
      answerJson: (answers) => {
        const headers: ResponseHeaders = { 'content-type': 'application/json' };
        if (this.sessionId !== undefined) headers['mcp-session-id'] = this.sessionId;
        exchange.reply(200, headers, JSON.stringify(answers.length === 1 ? answers[0] : answers));
      },
      cleanup: () => this.responses.delete(streamId),
    });
    for (const message of messages) {
      if (isRequest(message)) this.streamOfRequest.set(message.id, streamId);
    }
    const extra = this.extraOf(request);
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
    const open = this.openStream(streamId, events);
    const requests = messages.filter(isRequest);
    for (const message of requests) this.streamOfRequest.set(message.id, streamId);
    const resumable =
      this.options.eventStore !== undefined && primesStreams(this.options.rules, version);
    try {
      if (resumable) await this.writePrimingEvent(events, streamId);
      const extra = this.extraOf(request);
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
      for (const message of requests) this.streamOfRequest.delete(message.id);
      throw error;
    }
    if (this.responses.get(streamId) === open) open.keepAlive();
    events.open(this.streamHeaders());
  }

  private streamHeaders(): ResponseHeaders {
    const headers = { ...SSE_HEADERS };
    if (this.sessionId !== undefined) headers['mcp-session-id'] = this.sessionId;
    headers['x-accel-buffering'] = 'no';
    return headers;
  }

  /** Registers an SSE response under `streamId`; it leaves the table when it ends or is cut. */
  private openStream(
    streamId: string,
    events: EventStream,
    replayedEventIds?: Set<string>,
  ): OpenResponse & { keepAlive(): void } {
    let timer: NodeJS.Timeout | undefined;
    const stop = () => {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    };
    const open = {
      events,
      replayedEventIds,
      cleanup: () => {
        stop();
        if (this.responses.get(streamId) === open) this.responses.delete(streamId);
        events.end();
      },
      keepAlive: () => {
        const every = this.options.keepAliveMs;
        if (this.closed || !Number.isFinite(every) || every < 1) return;
        timer = setInterval(
          () => {
            if (!events.write(': keepalive\n\n')) stop();
          },
          Math.min(every, 2 ** 31 - 1),
        );
        timer.unref();
      },
    };
    events.onCancel = () => {
      stop();
      if (this.responses.get(streamId) === open) this.responses.delete(streamId);
    };
    this.responses.set(streamId, open);
    return open;
  }

  private async writePrimingEvent(events: EventStream, streamId: string): Promise<void> {
    const eventId = await this.options.eventStore!.storeEvent(streamId, {} as JSONRPCMessage);
    const retry = this.options.retryInterval;
    events.write(
      retry === undefined
        ? `id: ${eventId}\ndata: \n\n`
        : `id: ${eventId}\nretry: ${retry}\ndata: \n\n`,
    );
    this.resumable.add(streamId);
  }

  private writeEvent(events: EventStream, message: JSONRPCMessage, eventId?: string): boolean {
    const id = eventId ? `id: ${eventId}\n` : '';
    const written = events.write(`event: message\n${id}data: ${JSON.stringify(message)}\n\n`);
    if (!written) this.onerror?.(new Error('Invalid state: the stream is closed'));
    return written;
  }

  /** What the server's handlers are told of the HTTP request, as the line's transport tells it. */
  private extraOf(request: InboundRequest): MessageExtraInfo {
    if (this.options.rules.line === 'v2') {
      return { authInfo: request.authInfo, request: request.toWebRequest() } as never;
    }
    return {
      authInfo: request.authInfo as MessageExtraInfo['authInfo'],
      requestInfo: lazyRequestInfo(request),
    };
  }

  private async serveGet(request: InboundRequest, exchange: Exchange): Promise<void> {
    if (!request.headers.accept?.includes('text/event-stream')) {
      return this.refuse(
        exchange,
        406,
        -32000,
        'Not Acceptable: Client must accept text/event-stream',
      );
    }
    if (!this.checkSession(request, exchange) || !this.checkVersion(request, exchange)) return;
    const lastEventId = request.headers['last-event-id'];
    if (this.options.eventStore && lastEventId) return this.replay(lastEventId, exchange);
    if (this.responses.has(STANDALONE_STREAM)) {
      return this.refuse(
        exchange,
        409,
        -32000,
        'Conflict: Only one SSE stream is allowed per session',
      );
    }
    const events = exchange.eventStream();
    const open = this.openStream(STANDALONE_STREAM, events);
    open.keepAlive();
    events.open(this.streamHeaders());
  }

  /** A resumed stream: the events after `lastEventId`, then the stream's later events. */
  private async replay(lastEventId: string, exchange: Exchange): Promise<void> {
    const store = this.options.eventStore!;
    try {
      const streamId = await store.getStreamIdForEventId(lastEventId);
      if (!streamId) return this.refuse(exchange, 400, -32000, 'Invalid event ID format');
      if (this.responses.has(streamId)) {
        return this.refuse(
          exchange,
          409,
          -32000,
          'Conflict: Stream already has an active connection',
        );
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
      const open = this.openStream(replayedStreamId, events, replayedEventIds);
      this.resumable.add(replayedStreamId);
      open.keepAlive();
      events.open(this.streamHeaders());
    } catch (error) {
      this.onerror?.(error as Error);
      this.fail(exchange, 500, -32000, 'Error replaying events');
    }
  }

  private async serveDelete(request: InboundRequest, exchange: Exchange): Promise<void> {
    if (!this.checkSession(request, exchange) || !this.checkVersion(request, exchange)) return;
    try {
      await this.options.onDeleted?.();
      exchange.reply(200, {});
    } finally {
      await this.close();
    }
  }

  /** False, once answered, when the request does not name this initialized session. */
  private checkSession(request: InboundRequest, exchange: Exchange): boolean {
    if (this.options.sessionId === undefined) return true;
    if (!this.initialized) {
      this.refuse(exchange, 400, -32000, 'Bad Request: Server not initialized');
      return false;
    }
    const sessionId = request.headers['mcp-session-id'];
    if (!sessionId) {
      this.refuse(exchange, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');
      return false;
    }
    if (sessionId !== this.sessionId) {
      this.refuse(exchange, 404, -32001, 'Session not found');
      return false;
    }
    return true;
  }

  /** False, once answered, when `MCP-Protocol-Version` names a version the line does not speak. */
  private checkVersion(request: InboundRequest, exchange: Exchange): boolean {
    const version = request.headers['mcp-protocol-version'];
    const supported = this.options.rules.supportedProtocolVersions;
    if (version === undefined || supported.includes(version)) return true;
    this.refuse(
      exchange,
      400,
      -32000,
      `Bad Request: Unsupported protocol version: ${version} (supported versions: ${supported.join(', ')})`,
    );
    return false;
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
    const streamId = this.streamOfRequest.get(requestId);
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
    this.answers.set(requestId, message);
    const related: RequestId[] = [];
    for (const [id, stream] of this.streamOfRequest) if (stream === streamId) related.push(id);
    if (!related.every((id) => this.answers.has(id))) return;
    const answers = related.map((id) => this.answers.get(id)!);
    for (const id of related) {
      this.answers.delete(id);
      this.streamOfRequest.delete(id);
    }
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

const NO_BODY = Symbol('no body');

/** The SDK v1's `requestInfo`, its URL built only if a handler reads it. */
function lazyRequestInfo(request: InboundRequest): MessageExtraInfo['requestInfo'] {
  let url: URL | undefined;
  return {
    headers: request.headers,
    get url() {
      return (url ??= new URL(request.url));
    },
  };
}
