/**
 * The 2026-07-28 requests of this replica, counted apart from sessions (see
 * `SessionManager.modernRequests`).
 *
 * @publicApi
 */
export interface ModernRequestCounts {
  /** 2026-07-28 requests being answered now, open `subscriptions/listen` streams included. */
  inFlight: number;
  /** Open `subscriptions/listen` streams. */
  subscriptions: number;
  /** 2026-07-28 requests served since start. */
  served: number;
}
