import { Logger } from '@nestjs/common';
import type { InitializeRequest } from '../protocol/json-rpc.js';
import type {
  SessionDirectory,
  SessionResolution,
} from '../directory/session-directory.interface.js';
import {
  checkSessionAccept,
  findInitialize,
  hasInitializedNotification,
  requestIdsOf,
} from '../http/json-rpc-body.js';
import {
  INTERNAL_ERROR,
  REQUEST_ID_IN_FLIGHT,
  SESSION_ID_REQUIRED,
  SESSION_MOVED,
  SESSION_NOT_FOUND,
  SESSION_NOT_RESUMED,
  sdkUnsupportedProtocolVersion,
  unsupportedProtocolVersion,
  writeJsonRpcError,
  type HttpJsonRpcError,
} from '../http/json-rpc-error.js';
import { LEGACY_PROTOCOL_VERSIONS } from '../protocol/legacy-protocol.js';
import type { ResolvedMcpSessionOptions } from '../options/mcp-session-options.resolver.js';
import type { McpServerSource } from '../server/mcp-server-source.js';
import type { McpTransportFactory } from '../server/mcp-transport.interface.js';
import type { HttpResponse } from '../http/http-response.js';
import type { McpTelemetry } from '../telemetry/mcp-telemetry.js';
import { type LiveSession, McpSession, SESSION_ID_PATTERN } from '../session/mcp-session.js';
import type { SessionLifecycle } from '../session/session-lifecycle.js';
import type { ModernEndpoint } from '../modern/modern-endpoint.js';
import type { Admission } from './admission.js';
import type { McpRequest } from './mcp-request.js';
import type { ResponseTracker } from './response-tracker.js';

/** What the pipeline takes from the options. */
type PipelineOptions = Pick<
  ResolvedMcpSessionOptions,
  'stateless' | 'maxRequestBodySize' | 'sessionIdGenerator'
>;

/**
 * The one path of every request to the endpoint, from a client here or forwarded by another
 * replica: admission, then the protocol era (a 2026-07-28 request goes to the modern leg), then
 * one of the 2025-era legs (stateless, opening a session, or a session's request: its body,
 * resolution by the directory, serving on the session's transport), with the response tracked
 * for idleness and shutdown.
 */
export class RequestPipeline {
  private readonly logger = new Logger(RequestPipeline.name);

  constructor(
    private readonly options: PipelineOptions,
    private readonly admission: Admission,
    private readonly directory: SessionDirectory,
    private readonly lifecycle: SessionLifecycle,
    private readonly tracker: ResponseTracker,
    private readonly transports: McpTransportFactory,
    private readonly servers: McpServerSource,
    private readonly modern: ModernEndpoint,
    private readonly telemetry: McpTelemetry,
  ) {}

  /** Serves one request; an unexpected failure is logged and answered with 500. */
  async handle(request: McpRequest): Promise<void> {
    try {
      await this.run(request);
    } catch (error) {
      this.logger.error(`Unhandled error serving a ${request.method}`, (error as Error).stack);
      writeJsonRpcError(request.res, INTERNAL_ERROR);
    }
  }

  private async run(request: McpRequest): Promise<void> {
    const refused = this.admission.admit(request);
    if (refused) return this.answer(request.res, refused);
    if (this.modern.serving && (!request.sessionId || this.modern.exclusive)) {
      // The era is told by the body: read it first (a 2025-era leg finds it read).
      if (request.method === 'POST') {
        const unread = await request.readBody(this.options.maxRequestBodySize);
        if (unread) return this.answer(request.res, unread);
      }
      if (this.modern.isModern(request)) return this.serveModern(request);
    }
    if (this.options.stateless) return this.serveStateless(request);
    const { sessionId } = request;
    if (typeof sessionId !== 'string' || sessionId === '') return this.openSession(request);
    return this.serveSession(request, sessionId);
  }

  /** A 2026-07-28 request: no session, served by the SDK v2's handler. */
  private async serveModern(request: McpRequest): Promise<void> {
    this.tracker.track(request.res, { kind: 'sessionless' });
    await this.modern.serve(request);
  }

  /** Reads a 2025-era POST's body, which must accept both JSON and SSE responses. */
  private async readSessionBody(request: McpRequest): Promise<HttpJsonRpcError | undefined> {
    return (
      checkSessionAccept(request.headers) ??
      (await request.readBody(this.options.maxRequestBodySize))
    );
  }

  /** A fresh server and transport for one request, closed with its response. */
  private async serveStateless(request: McpRequest): Promise<void> {
    const { res } = request;
    const unread = await this.readSessionBody(request);
    if (unread) return this.answer(res, unread);
    if (!findInitialize(request.body)) {
      const versionError = missingSessionError(request);
      if (versionError !== SESSION_ID_REQUIRED) return this.answer(res, versionError);
    }
    const { server, line } = await this.servers.create({
      era: 'legacy',
      sessionId: undefined,
      principal: request.principal,
      state: {},
    });
    const transport = this.transports.forStatelessRequest(line);
    const requestIds = requestIdsOf(request.body);
    this.lifecycle.holdStatelessServer(server, { transport, requestIds }, res);
    this.tracker.track(res, { kind: 'sessionless' });
    // The transport is of the server's own SDK line (see SdkTransportFactory).
    await server.connect(transport as never);
    this.telemetry.observeTransport(transport);
    await request.serve(transport);
  }

  /** A request without a session id: an `initialize` opens a session, anything else is refused. */
  private async openSession(request: McpRequest): Promise<void> {
    const { res } = request;
    if (request.method !== 'POST') return this.answer(res, missingSessionError(request));
    const unread = await this.readSessionBody(request);
    if (unread) return this.answer(res, unread);
    const initialize = findInitialize(request.body);
    if (!initialize) return this.answer(res, missingSessionError(request));
    const session = this.newSession(request, initialize);
    const refused = await this.directory.reserve(session);
    if (refused) return this.answer(res, refused);
    let opened = false;
    let live: LiveSession | undefined;
    try {
      live = await this.lifecycle.open(session, () => (opened = true));
      this.tracker.track(res, { kind: 'request', session, requestIds: [] });
      await request.serve(live.transport);
      // A session whose initialize failed after it was registered is unknown to its client.
      if (opened && res.statusCode !== 200) await this.lifecycle.terminate(session, 'error');
    } finally {
      // A refused or failed opening leaves nothing behind.
      if (!opened) await this.lifecycle.abandon(session, live);
    }
  }

  private newSession(request: McpRequest, initialize: InitializeRequest): McpSession {
    const sessionId = this.options.sessionIdGenerator();
    if (typeof sessionId !== 'string' || !SESSION_ID_PATTERN.test(sessionId)) {
      throw new Error(
        'sessionIdGenerator returned an id that is not 1–256 visible ASCII characters',
      );
    }
    const session = new McpSession(sessionId, request.principal, Date.now());
    session.describeClient(initialize);
    return session;
  }

  /** A request that names its session: resolved by the directory, served where it is held. */
  private async serveSession(request: McpRequest, sessionId: string): Promise<void> {
    const { res } = request;
    // Open until it closes, wherever it is answered: shutdown waits for it.
    this.tracker.track(res, { kind: 'sessionless' });
    let resolution = await this.directory.resolve(request, sessionId);
    if (resolution.kind !== 'held' && resolution.kind !== 'elsewhere') {
      return this.answerUnserved(request, resolution);
    }
    let requestIds: Array<string | number> = [];
    let refused: HttpJsonRpcError | undefined;
    if (request.method === 'POST') {
      const unread = await this.readSessionBody(request);
      if (unread) return this.answer(res, unread);
      requestIds = requestIdsOf(request.body);
      refused = this.admission.admitWork(requestIds);
    }
    if (resolution.kind === 'elsewhere') {
      // Answered by another replica, relayed here: shutdown may have to answer it.
      this.tracker.trackRelayed(res, requestIds);
      // The cluster is asked first, so that a session no replica holds is a 404 even then.
      resolution = await this.directory.forward(request, sessionId, refused);
      if (resolution.kind !== 'held') return this.answerUnserved(request, resolution);
      this.tracker.untrackRelayed(res);
    }
    return this.serveHeld(resolution.session, request, requestIds, refused);
  }

  /** Answers a request whose session is not served here: already answered, refused or expired. */
  private answerUnserved(request: McpRequest, resolution: SessionResolution): void {
    if (resolution.kind === 'refused') return this.answer(request.res, resolution.error);
    if (resolution.kind === 'expired') {
      void this.lifecycle.terminate(resolution.session, resolution.reason);
      return this.answer(request.res, SESSION_NOT_FOUND);
    }
  }

  /** Serves a request on a session held here, waking the session if it hibernates. */
  private async serveHeld(
    session: McpSession,
    request: McpRequest,
    requestIds: Array<string | number>,
    refused: HttpJsonRpcError | undefined,
  ): Promise<void> {
    const { res, method } = request;
    const unavailable = this.directory.servingRefusal() ?? refused;
    if (unavailable) return this.answer(res, unavailable);
    if (method === 'POST') {
      if (!session.claimRequestIds(requestIds)) return this.answer(res, REQUEST_ID_IN_FLIGHT);
      if (!session.clientInitialized && hasInitializedNotification(request.body)) {
        session.markClientInitialized();
        this.directory.clientInitialized(session);
      }
    }
    if (method === 'DELETE' && !session.live) return this.deleteHibernated(session, request);
    // A DELETE ends the session itself, so it is not one of the requests that keep it open.
    if (method === 'GET') this.tracker.track(res, { kind: 'stream', session });
    else if (method === 'POST') this.tracker.track(res, { kind: 'request', session, requestIds });
    let live: LiveSession;
    try {
      live = session.live ?? (await this.lifecycle.wake(session));
    } catch (error) {
      if (!this.directory.held.holds(session)) {
        const gone = this.lifecycle.wasReleased(session) ? SESSION_MOVED : SESSION_NOT_FOUND;
        return this.answer(res, gone);
      }
      this.logger.error(`Waking session ${session.id} failed`, (error as Error).stack);
      return this.answer(res, SESSION_NOT_RESUMED);
    }
    await request.serve(live.transport);
  }

  /** A DELETE needs no server: a hibernated session is ended without being rebuilt. */
  private async deleteHibernated(session: McpSession, request: McpRequest): Promise<void> {
    const version = request.headers['mcp-protocol-version'];
    if (typeof version === 'string' && !LEGACY_PROTOCOL_VERSIONS.includes(version)) {
      return this.answer(
        request.res,
        sdkUnsupportedProtocolVersion(version, LEGACY_PROTOCOL_VERSIONS),
      );
    }
    await this.lifecycle.terminate(session, 'deleted');
    request.res.writeHead(200);
    request.res.end();
  }

  /** Answers an error, counting it when it is a refusal. */
  private answer(res: HttpResponse, error: HttpJsonRpcError): void {
    this.telemetry.refused(error);
    writeJsonRpcError(res, error);
  }
}

/** The 400 for a request without a session id: -32022 when its protocol version is unknown. */
function missingSessionError(request: McpRequest): HttpJsonRpcError {
  const requested = request.headers['mcp-protocol-version'];
  if (typeof requested === 'string' && !LEGACY_PROTOCOL_VERSIONS.includes(requested)) {
    return unsupportedProtocolVersion(requested, LEGACY_PROTOCOL_VERSIONS);
  }
  return SESSION_ID_REQUIRED;
}
