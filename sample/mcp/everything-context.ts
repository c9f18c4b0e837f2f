/**
 * What the builders of the sample's SDK v2 everything server share: the era being served, the
 * request-state codec, the list-change notifier of the modern era, and a logger that honours the
 * level each era defines.
 */
import type { LoggingLevel, ServerContext, ServerNotifier } from '@modelcontextprotocol/server';
import { LOGGER } from './fixtures.js';
import type { LegacySession } from './legacy-session.js';

/** Seals and opens the `requestState` of `input_required` results (HMAC, shared by replicas). */
export interface RequestStateSealer {
  mint(payload: unknown, ctx?: unknown): Promise<string>;
  verify(state: string, ctx?: unknown): Promise<unknown>;
}

/** One built server's view of its surroundings, handed to every `register…` function. */
export interface EverythingContext {
  /** `legacy`: a 2025-era session; `modern`: one 2026-07-28 request. */
  era: 'legacy' | 'modern';
  /** Seals `requestState` for multi-round-trip tools. */
  requestState: RequestStateSealer;
  /** The 2025-era session (log level, subscriptions); `undefined` in the modern era. */
  session: LegacySession | undefined;
  /**
   * Publishes list changes to open `subscriptions/listen` streams (modern era); `undefined` when
   * nothing listens, or in the legacy era, where the session's own stream carries them.
   */
  notify: ServerNotifier | undefined;
}

/**
 * Logs to the client on the current request's stream. Modern era: only when the request set a
 * level in `_meta` (the SDK's rule). Legacy era: at or above the level the session chose with
 * `logging/setLevel`, which the session keeps across hibernation.
 */
export async function log(
  context: EverythingContext,
  ctx: ServerContext,
  level: LoggingLevel,
  data: string,
): Promise<void> {
  if (!context.session) return ctx.mcpReq.log(level, data, LOGGER);
  if (!context.session.accepts(level)) return;
  await ctx.mcpReq.notify({
    method: 'notifications/message',
    params: { level, logger: LOGGER, data },
  });
}

/** Sends `notifications/progress` for the current request, if the client asked for progress. */
export async function reportProgress(
  ctx: ServerContext,
  progress: number,
  total: number,
): Promise<void> {
  const progressToken = ctx.mcpReq._meta?.progressToken;
  if (progressToken === undefined) return;
  await ctx.mcpReq.notify({
    method: 'notifications/progress',
    params: { progressToken, progress, total },
  });
}
