/**
 * Why a session ended:
 * - `deleted`: the client sent `DELETE`;
 * - `idle`: no activity for `sessionIdleTimeout`;
 * - `expired`: the session reached `maxSessionLifetime`;
 * - `shutdown`: the application shut down;
 * - `closed`: the application called `SessionManager.close()` / `closeAll()`, or the server closed
 *   its own transport;
 * - `error`: the session failed and was removed.
 *
 * @publicApi
 */
export type SessionCloseReason = 'deleted' | 'idle' | 'expired' | 'shutdown' | 'closed' | 'error';

/** @publicApi */
export interface SessionCreatedEvent {
  type: 'created';
  sessionId: string;
  principal: string | undefined;
  at: Date;
}

/** @publicApi */
export interface SessionClosedEvent {
  type: 'closed';
  sessionId: string;
  principal: string | undefined;
  reason: SessionCloseReason;
  at: Date;
  /** When the session was created; absent when the replica that ended it never held it. */
  createdAt?: Date;
}

/**
 * The session released its server and transport and keeps only its record.
 *
 * @publicApi
 */
export interface SessionHibernatedEvent {
  type: 'hibernated';
  sessionId: string;
  principal: string | undefined;
  at: Date;
}

/**
 * A request woke the session: its server and transport were rebuilt from its record.
 *
 * @publicApi
 */
export interface SessionRehydratedEvent {
  type: 'rehydrated';
  sessionId: string;
  principal: string | undefined;
  at: Date;
}

/**
 * The session left this replica but goes on in the cluster (`sessionStore: 'redis'`): this
 * replica shut down, or another replica took the session over while this one did not answer.
 *
 * @publicApi
 */
export interface SessionReleasedEvent {
  type: 'released';
  sessionId: string;
  principal: string | undefined;
  at: Date;
}

/**
 * A lifecycle event published on `SessionManager.events$`.
 *
 * @publicApi
 */
export type SessionEvent =
  | SessionCreatedEvent
  | SessionHibernatedEvent
  | SessionRehydratedEvent
  | SessionReleasedEvent
  | SessionClosedEvent;
