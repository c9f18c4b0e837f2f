import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { AuthInfo } from '../../protocol/json-rpc.js';

/** A request as the Node-native transport reads it, from Node's request or a web-standard one. */
export interface InboundRequest {
  readonly method: string;
  /** The request's headers by lower-case name, each a single value (repeats joined by `, `). */
  readonly headers: Record<string, string>;
  /** The absolute URL, as the web-standard request of the SDK's bridge would have it. */
  readonly url: string;
  /** The parsed JSON body of a POST; `undefined` when the body is still to be read. */
  readonly parsedBody: unknown;
  /** Reads the raw body, for a POST given without a parsed one. */
  readText(): Promise<string>;
  readonly authInfo: AuthInfo | undefined;
  /** The request as a web-standard `Request`, for an SDK line whose handlers receive one. */
  toWebRequest(): Request;
}

function singleValued(headers: IncomingHttpHeaders): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) values[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return values;
}

/** A Node request whose body the endpoint has read and parsed already (`parsedBody`). */
export function nodeInbound(
  req: IncomingMessage,
  parsedBody: unknown,
  authInfo: AuthInfo | undefined,
): InboundRequest {
  const headers = singleValued(req.headers);
  const scheme = (req.socket as TLSSocket | null)?.encrypted ? 'https' : 'http';
  const url = `${scheme}://${headers.host ?? 'localhost'}${req.url ?? '/'}`;
  return {
    method: req.method ?? 'GET',
    headers,
    url,
    parsedBody,
    // The endpoint reads every POST's body before serving it.
    readText: () => Promise.resolve(''),
    authInfo,
    toWebRequest: () => new Request(url, { method: req.method, headers }),
  };
}

/** A web-standard request: a forwarded one, or a replayed `initialize`. */
export function webInbound(
  request: Request,
  parsedBody: unknown,
  authInfo: AuthInfo | undefined,
): InboundRequest {
  return {
    method: request.method,
    headers: Object.fromEntries(request.headers.entries()),
    url: request.url,
    parsedBody,
    readText: () => request.text(),
    authInfo,
    toWebRequest: () => request,
  };
}
