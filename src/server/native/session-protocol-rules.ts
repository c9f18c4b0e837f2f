import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { MessageParser } from './json-rpc-message.js';

/**
 * What the Node-native session transport takes from the SDK line of the server it serves: the
 * line's own message schema and guards, and the few rules in which the lines' transports differ.
 */
export interface SessionProtocolRules {
  readonly line: 'v1' | 'v2';
  /** The line's `JSONRPCMessageSchema.parse`. */
  readonly parseMessage: MessageParser;
  /** The line's `isInitializeRequest`. */
  readonly isInitializeRequest: (message: JSONRPCMessage) => boolean;
  /** The protocol versions the line's transport accepts in `MCP-Protocol-Version`. */
  readonly supportedProtocolVersions: readonly string[];
  /** The version assumed of a request without `MCP-Protocol-Version`. */
  readonly defaultProtocolVersion: string;
}

/**
 * Whether a stream of a client at `version` is resumable: it gets a priming event and its
 * handlers may close it (SEP-1699). The SDK v1 compares the version only; the SDK v2 also
 * requires a version it supports.
 */
export function primesStreams(rules: SessionProtocolRules, version: string): boolean {
  if (version < '2025-11-25') return false;
  return rules.line === 'v1' || rules.supportedProtocolVersions.includes(version);
}
