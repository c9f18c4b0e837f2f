import type { AuthInfo } from '../protocol/json-rpc.js';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { ForwardedRequest } from '../cluster/cluster-messages.js';
import {
  endToEndHeaders,
  type RemoteResponse,
  sendWebResponse,
} from '../cluster/remote-response.js';
import type { HttpResponse } from '../http/http-response.js';
import { readJsonRpcBody } from '../http/json-rpc-body.js';
import type { HttpJsonRpcError } from '../http/json-rpc-error.js';
import { serveNodeRequest, type WebHandler } from '../http/node-bridge.js';
import type { McpTransport } from '../server/mcp-transport.interface.js';

/**
 * One request to the MCP endpoint, whichever edge it came in by: from a client of this process
 * (`client`), or forwarded by the replica a client reached (`replica`). Every request goes
 * through the same pipeline; only reading its body and writing its answer differ by edge.
 */
export interface McpRequest {
  readonly origin: 'client' | 'replica';
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  /** The `Mcp-Session-Id` header, as sent. */
  readonly sessionId: string | string[] | undefined;
  /** Who sent it (see the `principalResolver` option). */
  readonly principal: string | undefined;
  readonly res: HttpResponse;
  /** The parsed JSON-RPC body of a POST, once {@link readBody} has read it. */
  readonly body: unknown;
  /**
   * Reads and parses the body of a POST within `limit` bytes, once (later calls answer as the
   * first did); an error to answer, if it fails.
   */
  readBody(limit: number): Promise<HttpJsonRpcError | undefined>;
  /** Hands the request to a session's or a stateless request's `transport` and writes its response. */
  serve(transport: McpTransport): Promise<void>;
  /** Hands the request to a web-standard handler and writes its response. */
  serveWith(handle: WebHandler): Promise<void>;
  /** The request as the replica that holds its session receives it. */
  forwarded(sessionId: string): ForwardedRequest;
}

/** A request from a client of this process. */
export function clientRequest(
  req: IncomingMessage,
  res: ServerResponse,
  resolvePrincipal: () => string | undefined,
): McpRequest {
  let body: unknown;
  let read: Promise<HttpJsonRpcError | undefined> | undefined;
  let principal: { value: string | undefined } | undefined;
  const auth = (req as IncomingMessage & { auth?: AuthInfo }).auth;
  const serveWith = (handle: WebHandler) => serveNodeRequest(handle, req, res, body, auth);
  return {
    origin: 'client',
    method: req.method ?? 'GET',
    headers: req.headers,
    sessionId: req.headers['mcp-session-id'],
    // Resolved when first needed: a request refused at admission never asks.
    get principal() {
      principal ??= { value: resolvePrincipal() };
      return principal.value;
    },
    res,
    get body() {
      return body;
    },
    readBody(limit) {
      read ??= readJsonRpcBody(req, limit).then((parsed) => {
        if ('error' in parsed) return parsed.error;
        body = parsed.body;
        return undefined;
      });
      return read;
    },
    serve: (transport) => serveWith((request, extra) => transport.handleRequest(request, extra)),
    serveWith,
    forwarded(sessionId) {
      return {
        sessionId,
        method: req.method!,
        url: `http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`,
        headers: endToEndHeaders(Object.entries(req.headers)),
        body,
        auth,
        principal: this.principal,
      };
    },
  };
}

/** A request another replica forwarded here, answered through `res` to that replica. */
export function replicaRequest(request: ForwardedRequest, res: RemoteResponse): McpRequest {
  return {
    origin: 'replica',
    method: request.method,
    headers: request.headers,
    sessionId: request.sessionId,
    principal: request.principal,
    res,
    body: request.body,
    // Read, checked and parsed by the replica the client reached.
    readBody: async () => undefined,
    serve(transport) {
      return this.serveWith((webRequest, extra) => transport.handleRequest(webRequest, extra));
    },
    async serveWith(handle) {
      const webRequest = new Request(request.url, {
        method: request.method,
        headers: request.headers,
      });
      const response = await handle(webRequest, {
        parsedBody: request.body,
        authInfo: request.auth,
      });
      await sendWebResponse(response, res);
    },
    forwarded: () => request,
  };
}
