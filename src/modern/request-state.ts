import { randomBytes } from 'node:crypto';
import { McpSessionOptionsError } from '../options/mcp-session-options.error.js';
import type { ResolvedMcpSessionOptions } from '../options/mcp-session-options.resolver.js';
import type { McpRequestStateCodec } from '../server/mcp-server-factory.interface.js';
import type { ModernSdk } from './modern-sdk.js';

/**
 * The codec of `input_required` request state that servers get in their context: the SDK v2's,
 * keyed by `requestStateKey`, or, in a single process without one, by a random key of its own.
 * `undefined` without the SDK v2, when 2026-07-28 requests are not served, or when replicas share
 * sessions and no key is set (the 2026-07-28 leg then refuses to start, see
 * {@link assertSharedRequestStateKey}).
 */
export function createRequestStateCodec(
  options: Pick<ResolvedMcpSessionOptions, 'protocol' | 'requestStateKey' | 'sessionStore'>,
  modern: ModernSdk | undefined,
): McpRequestStateCodec | undefined {
  if (!modern || options.protocol === 'legacy-only') return undefined;
  let key = options.requestStateKey;
  if (key === undefined) {
    if (options.sessionStore === 'redis') return undefined;
    key = randomBytes(32);
  }
  return modern.createRequestStateCodec({ key }) as McpRequestStateCodec;
}

/**
 * Checks, before 2026-07-28 requests are served, that replicas sharing their sessions share the
 * key of request state too.
 *
 * @throws McpSessionOptionsError when they do not: each would refuse the state another minted.
 */
export function assertSharedRequestStateKey(
  options: Pick<ResolvedMcpSessionOptions, 'requestStateKey' | 'sessionStore'>,
): void {
  if (options.sessionStore !== 'redis' || options.requestStateKey !== undefined) return;
  throw new McpSessionOptionsError(
    'requestStateKey',
    "must be set with sessionStore: 'redis' when 2026-07-28 requests are served: replicas must share the key of input_required request state, or one refuses the state another minted",
    "Set requestStateKey to the same secret of 32 bytes or more on every replica, or protocol: 'legacy-only'.",
  );
}
