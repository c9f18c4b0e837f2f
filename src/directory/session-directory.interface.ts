import type { Observable } from 'rxjs';
import type { HttpJsonRpcError } from '../http/json-rpc-error.js';
import type { McpRequest } from '../pipeline/mcp-request.js';
import type { McpSession } from '../session/mcp-session.js';
import type { SessionCloseReason } from '../session/session-events.js';

/** Injection token of the registration's {@link SessionDirectory}. */
export const SESSION_DIRECTORY = Symbol('McpSessionModule:SessionDirectory');

/** Where a request's session is, as the directory finds it for the request's principal. */
export type SessionResolution =
  /** Held in this process (taken over from a dead replica, if need be): serve it here. */
  | { kind: 'held'; session: McpSession }
  /** Held here but over its idle timeout or lifetime: end it, and answer 404. */
  | { kind: 'expired'; session: McpSession; reason: 'idle' | 'expired' }
  /** Held by another replica: see {@link SessionDirectory.forward}. */
  | { kind: 'elsewhere' }
  /** Served by the replica that holds it, which has answered. */
  | { kind: 'answered' }
  /** Not to be served: unknown, foreign, moving, or the store does not answer. */
  | { kind: 'refused'; error: HttpJsonRpcError };

/** A session the sweep found expired. */
export type ExpiredSession =
  /** Held here: end it here. */
  | { kind: 'held'; session: McpSession; reason: 'idle' | 'expired' }
  /** Held by no live replica: announce its end and purge its events. */
  | {
      kind: 'unheld';
      sessionId: string;
      principal: string | undefined;
      reason: 'idle' | 'expired';
    };

/** A session this process must let go because of what happened elsewhere. */
export type LostSession =
  /** It was ended elsewhere (the reaper of another replica claimed it). */
  | { how: 'terminate'; session: McpSession; reason: SessionCloseReason }
  /** Another replica took it over, or the registry no longer names this replica. */
  | { how: 'release'; session: McpSession };

/**
 * Where sessions live, and who may serve them: the single-process directory keeps them in this
 * process; the Redis directory shares them with every replica. The session manager and the
 * request pipeline hold one directory and ask it, never whether there is a cluster. A directory
 * never calls them back: what it must tell them (sessions lost, requests forwarded here) it
 * publishes on `lost$` and `forwarded$`.
 */
export interface SessionDirectory {
  /** Sessions held in this process. */
  readonly held: HeldSessions;
  /** How the sessions held here end at shutdown: closed, or released for other replicas. */
  readonly retirementAtShutdown: 'terminate' | 'release';
  /** Sessions this process must let go. */
  readonly lost$: Observable<LostSession>;
  /** Requests other replicas forward to the sessions held here. */
  readonly forwarded$: Observable<McpRequest>;

  /** Starts serving (in a cluster: joins it). */
  start(): Promise<void>;
  /**
   * Counts a new session against `maxSessions` and `maxSessionsPerPrincipal` (in a cluster, for
   * the whole cluster); returns the error to answer when it may not open.
   */
  reserve(session: McpSession): Promise<HttpJsonRpcError | undefined>;
  /** Holds a reserved session whose `initialize` succeeded. */
  admit(session: McpSession): void;
  /** Gives back the reservation of a session that did not open. */
  cancel(session: McpSession): Promise<void>;
  /** Finds the session a request names, for the request's principal. */
  resolve(request: McpRequest, sessionId: string): Promise<SessionResolution>;
  /**
   * For a session held `elsewhere`: has the replica that holds it serve the request (`answered`),
   * or, when that replica is gone, takes the session over (`held`). `refusal`, admission's answer
   * to a request that may not start work now (see `Admission.admitWork`), is given instead of
   * forwarding the request, once the session is found.
   */
  forward(
    request: McpRequest,
    sessionId: string,
    refusal?: HttpJsonRpcError,
  ): Promise<SessionResolution>;
  /**
   * Why this process may not serve the sessions it holds right now, if it may not (in a cluster:
   * its heartbeat is stale, and another replica may be taking them over).
   */
  servingRefusal(): HttpJsonRpcError | undefined;
  /** Stops holding a session here; false when it was not held (another call retired it first). */
  retire(session: McpSession): boolean;
  /**
   * Tells the other replicas, if any, that a retired session was `terminated` (it is gone) or
   * `released` (with its state, for another replica to take over).
   */
  announce(session: McpSession, how: 'terminated' | 'released'): Promise<void>;
  /** Claims the sessions expired at `now`. */
  reapExpired(now: number): Promise<ExpiredSession[]>;
  /** Shutdown begins: stops taking sessions over; returns those to let go at once. */
  drain(): McpSession[];
  /** A request on a held session began, or ended. */
  activityStarted(session: McpSession): void;
  activityEnded(session: McpSession): void;
  /** The client of a held session sent `notifications/initialized`. */
  clientInitialized(session: McpSession): void;
}

/** A read-only view of the sessions held in this process. */
export interface HeldSessions {
  readonly size: number;
  get(sessionId: string): McpSession | undefined;
  values(): IterableIterator<McpSession>;
  /** True while this very session (not another under its id) is held. */
  holds(session: McpSession): boolean;
}
