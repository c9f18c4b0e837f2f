import type { InitializeRequest } from './json-rpc.js';

/**
 * The 2025-era protocol revisions a session serves, newest first: the list both SDK lines'
 * session transports accept (`@modelcontextprotocol/sdk` 1.x and `@modelcontextprotocol/server`
 * 2.x agree on it). Kept here so that the module's own checks need neither line at load time.
 */
export const LEGACY_PROTOCOL_VERSIONS: readonly string[] = [
  '2025-11-25',
  '2025-06-18',
  '2025-03-26',
  '2024-11-05',
  '2024-10-07',
];

/** The revision a session is at when its client asks for one the endpoint does not serve. */
export const LATEST_LEGACY_PROTOCOL_VERSION = LEGACY_PROTOCOL_VERSIONS[0];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * True for an `initialize` request: a shape check of its method and params (a protocol version,
 * client info and capabilities), as the SDKs' own guard checks. The session's transport
 * validates the whole message, its id included, and answers what is wrong with it.
 */
export function isInitializeRequest(message: unknown): message is InitializeRequest {
  if (!isObject(message) || message.method !== 'initialize') return false;
  const { params } = message;
  return (
    isObject(params) &&
    typeof params.protocolVersion === 'string' &&
    isObject(params.clientInfo) &&
    isObject(params.capabilities)
  );
}

/** True for the client's `notifications/initialized`. */
export function isInitializedNotification(message: unknown): boolean {
  return isObject(message) && message.method === 'notifications/initialized' && !('id' in message);
}
