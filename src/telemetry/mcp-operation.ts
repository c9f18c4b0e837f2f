import type {
  JSONRPCMessage,
  JSONRPCRequest,
  MessageExtraInfo,
} from '@modelcontextprotocol/sdk/types.js';
import { Attr, TOOL_ERROR } from './telemetry-names.js';

/** Attribute values, as OpenTelemetry takes them. */
export type OperationAttributes = Record<string, string>;

/** The `_meta` key under which a 2026-07-28 request carries its protocol version. */
const META_PROTOCOL_VERSION = 'io.modelcontextprotocol/protocolVersion';

/** What a request says about itself: its attributes, and what its span is named by. */
export interface OperationDescription {
  /** The attributes of both the span and the duration histogram. */
  attributes: OperationAttributes;
  /** `{mcp.method.name} {target}`, the target being the tool or prompt when there is one. */
  spanName: string;
  /** The request's `params._meta`, where trace context may travel. */
  meta: Record<string, unknown> | undefined;
}

/** True for a JSON-RPC request (a method and an id), which gets a response; false otherwise. */
export function isRequest(message: JSONRPCMessage): message is JSONRPCRequest {
  return 'method' in message && 'id' in message;
}

/**
 * Describes a request as the conventions name it. The protocol version is the request's own
 * (`params._meta`, as 2026-07-28 requests carry it), else the `MCP-Protocol-Version` header, else,
 * for `initialize`, the version the client asks for.
 */
export function describeOperation(
  request: JSONRPCRequest,
  extra: MessageExtraInfo | undefined,
): OperationDescription {
  const { method } = request;
  const params = request.params as Record<string, unknown> | undefined;
  const meta = isRecord(params?._meta) ? params._meta : undefined;
  const attributes: OperationAttributes = {
    [Attr.methodName]: method,
    [Attr.networkTransport]: 'tcp',
    [Attr.networkProtocolName]: 'http',
  };
  const version = protocolVersionOf(method, params, meta, extra);
  if (version !== undefined) attributes[Attr.protocolVersion] = version;
  const name = typeof params?.name === 'string' ? params.name : undefined;
  let target: string | undefined;
  if (name !== undefined && method === 'tools/call') attributes[Attr.toolName] = target = name;
  if (name !== undefined && method === 'prompts/get') attributes[Attr.promptName] = target = name;
  return { attributes, spanName: target === undefined ? method : `${method} ${target}`, meta };
}

/**
 * The `error.type` of a response: the JSON-RPC error code as a string, `tool_error` for a
 * `tools/call` result with `isError: true`, `undefined` for a success.
 */
export function errorTypeOf(method: string, response: JSONRPCMessage): string | undefined {
  if ('error' in response && isRecord(response.error)) return String(response.error.code);
  if (method === 'tools/call' && 'result' in response && isRecord(response.result)) {
    return response.result.isError === true ? TOOL_ERROR : undefined;
  }
  return undefined;
}

function protocolVersionOf(
  method: string,
  params: Record<string, unknown> | undefined,
  meta: Record<string, unknown> | undefined,
  extra: MessageExtraInfo | undefined,
): string | undefined {
  const fromMeta = meta?.[META_PROTOCOL_VERSION];
  if (typeof fromMeta === 'string') return fromMeta;
  const header = headerOf(extra, 'mcp-protocol-version');
  if (header !== undefined) return header;
  if (method === 'initialize' && typeof params?.protocolVersion === 'string') {
    return params.protocolVersion;
  }
  return undefined;
}

/** The W3C trace context of a request's HTTP headers, when it has one. */
export function traceHeadersOf(
  extra: MessageExtraInfo | undefined,
): Record<string, string> | undefined {
  const traceparent = headerOf(extra, 'traceparent');
  if (traceparent === undefined) return undefined;
  const carrier: Record<string, string> = { traceparent };
  for (const name of ['tracestate', 'baggage']) {
    const value = headerOf(extra, name);
    if (value !== undefined) carrier[name] = value;
  }
  return carrier;
}

/**
 * One HTTP header of the request a message came in: the SDK v1 hands over its headers as a plain
 * object (`requestInfo.headers`), the SDK v2 the web-standard `Request` itself (`request`).
 */
function headerOf(extra: MessageExtraInfo | undefined, name: string): string | undefined {
  const web = (extra as { request?: Request } | undefined)?.request;
  const value = web ? web.headers.get(name) : extra?.requestInfo?.headers[name];
  return typeof value === 'string' ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
