import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/**
 * The JSON-RPC message parser of an SDK line: its `JSONRPCMessageSchema.parse`, which returns the
 * message or throws when it is not one.
 */
export type MessageParser = (value: unknown) => JSONRPCMessage;

const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);
const NOTIFICATION_KEYS = new Set(['jsonrpc', 'method', 'params']);
const RESULT_KEYS = new Set(['jsonrpc', 'id', 'result']);
const ERROR_KEYS = new Set(['jsonrpc', 'id', 'error']);
const ERROR_OBJECT_KEYS = new Set(['code', 'message', 'data']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyKeys(value: Record<string, unknown>, allowed: Set<string>): boolean {
  for (const key in value) if (!allowed.has(key)) return false;
  return true;
}

function isId(value: unknown): boolean {
  return typeof value === 'string' || Number.isSafeInteger(value);
}

/** Params the SDK schemas pass through unchanged: absent, or an object without `_meta`. */
function plainParams(value: Record<string, unknown>, key: string): boolean {
  if (!(key in value)) return true;
  const params = value[key];
  return isPlainObject(params) && !('_meta' in params);
}

/**
 * True for the shapes every SDK line's `JSONRPCMessageSchema` accepts and returns as they are
 * (a request, notification, result or error with nothing optional the schema would check
 * further). This is a strict subset of what the schema accepts: whatever it does not recognise
 * goes to the schema, so that acceptance and every error stay the SDK's own.
 */
function isPlainMessage(value: unknown): boolean {
  if (!isPlainObject(value) || value.jsonrpc !== '2.0') return false;
  if ('method' in value) {
    if (typeof value.method !== 'string' || !plainParams(value, 'params')) return false;
    if ('id' in value) return isId(value.id) && onlyKeys(value, REQUEST_KEYS);
    return onlyKeys(value, NOTIFICATION_KEYS);
  }
  if ('result' in value) {
    return (
      isId(value.id) &&
      isPlainObject(value.result) &&
      !('_meta' in value.result) &&
      onlyKeys(value, RESULT_KEYS)
    );
  }
  if ('error' in value) {
    const { error } = value;
    return (
      (!('id' in value) || isId(value.id)) &&
      isPlainObject(error) &&
      Number.isSafeInteger(error.code) &&
      typeof error.message === 'string' &&
      onlyKeys(error, ERROR_OBJECT_KEYS) &&
      onlyKeys(value, ERROR_KEYS)
    );
  }
  return false;
}

/**
 * Parses one JSON-RPC message as the SDK line's schema does, without running the schema for the
 * common shapes it would return unchanged.
 *
 * @throws whatever the SDK's parser throws for a value that is not a message
 */
export function parseMessage(value: unknown, parse: MessageParser): JSONRPCMessage {
  return isPlainMessage(value) ? (value as JSONRPCMessage) : parse(value);
}

/** A request (a message with both a method and an id), of a message already parsed. */
export function isRequest(message: JSONRPCMessage): message is JSONRPCMessage & {
  id: string | number;
  method: string;
} {
  return 'method' in message && 'id' in message;
}

/** A result or error response, of a message already parsed. */
export function isResponse(
  message: JSONRPCMessage,
): message is JSONRPCMessage & { id: string | number } {
  return 'result' in message || 'error' in message;
}
