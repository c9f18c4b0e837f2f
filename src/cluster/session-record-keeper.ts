import { Logger } from '@nestjs/common';
import type { McpSession, SessionLimits } from '../session/mcp-session.js';
import type { ReservationRefusal, SessionRenewal } from './redis-session-registry.js';
import { REPLICA_TIMEOUT_MS, type SessionCluster } from './session-cluster.js';
import { recordOf } from './session-record.js';

/**
 * Keeps the cluster's registry in step with the sessions this replica holds: reserves a new
 * session's record, saves what its requests change (state, `notifications/initialized`), renews its
 * deadline and last activity, and removes or releases it. Writes that follow a request run in the
 * background: a failure is logged, and the request is not held up.
 */
export class SessionRecordKeeper {
  private readonly logger = new Logger(SessionRecordKeeper.name);
  /** The `state` of each session as last saved to the registry, as JSON. */
  private readonly savedState = new WeakMap<McpSession, string>();

  constructor(
    private readonly cluster: SessionCluster,
    private readonly limits: SessionLimits,
  ) {}

  /** When a session expires if nothing happens after `now`: `Infinity` for never. */
  private deadlineOf(session: McpSession, now: number): number {
    const { idleMs, lifetimeMs } = this.limits;
    return Math.min(
      idleMs === null ? Infinity : now + idleMs,
      lifetimeMs === null ? Infinity : session.createdAt + lifetimeMs,
    );
  }

  /**
   * Writes a new session's record, owned here, unless the cluster holds `maxSessions` or the
   * principal its quota.
   *
   * @throws SessionIdTakenError when the id is taken; whatever Redis throws.
   */
  reserve(
    session: McpSession,
    bounds: { maxSessions: number; maxSessionsPerPrincipal: number | null },
  ): Promise<ReservationRefusal | undefined> {
    const record = recordOf(session, this.cluster.replicaId);
    this.savedState.set(session, record.stateJson);
    return this.cluster.registry.reserve(record, this.deadlineOf(session, Date.now()), bounds);
  }

  /** A request begins: a deadline about to pass could be reaped elsewhere before the next beat. */
  requestStarted(session: McpSession): void {
    const deadline = this.deadlineOf(session, session.lastActivityAt);
    if (deadline - Date.now() < REPLICA_TIMEOUT_MS) this.recordActivity(session);
  }

  /** A request ended: its state, if the request changed it, and the session's activity. */
  requestEnded(session: McpSession): void {
    const stateJson = JSON.stringify(session.state);
    if (stateJson !== this.savedState.get(session)) {
      this.savedState.set(session, stateJson);
      this.save(session, { stateJson });
    }
    this.recordActivity(session);
  }

  /** A session taken over from the registry, whose state was saved as `stateJson`. */
  adopted(session: McpSession, stateJson: string): void {
    this.savedState.set(session, stateJson);
    this.recordActivity(session);
  }

  /** The client sent `notifications/initialized`, which a rebuild must replay. */
  clientInitialized(session: McpSession): void {
    this.save(session, { initialized: true });
  }

  /** Renews a session's last activity, and its deadline to the idle timeout from now. */
  recordActivity(session: McpSession): void {
    this.cluster.registry.touch([this.renewal(session, Date.now())]).catch((error: Error) => {
      this.logger.warn(`Renewing session ${session.id} failed: ${error.message}`);
    });
  }

  /** Renewals for the sessions of `sessions` with a request in flight or a stream open. */
  busyRenewals(sessions: Iterable<McpSession>): SessionRenewal[] {
    const now = Date.now();
    const busy: SessionRenewal[] = [];
    for (const session of sessions) {
      if (!session.isQuietFor(now, 0)) busy.push(this.renewal(session, now));
    }
    return busy;
  }

  /** A session's renewal as of `now`: active now, its deadline the idle timeout from now. */
  private renewal(session: McpSession, now: number): SessionRenewal {
    return [session.id, this.deadlineOf(session, now), now];
  }

  /** Removes a session from the registry. */
  async remove(session: McpSession): Promise<void> {
    try {
      await this.cluster.registry.remove(session.id, session.principal);
    } catch (error) {
      this.logger.warn(`Removing session ${session.id} failed: ${(error as Error).message}`);
    }
  }

  /** Gives up this replica's ownership of a session, with its state, unless another took it. */
  async release(session: McpSession): Promise<void> {
    const { registry, replicaId } = this.cluster;
    try {
      await registry.release(session.id, replicaId, JSON.stringify(session.state));
    } catch (error) {
      this.logger.warn(`Releasing session ${session.id} failed: ${(error as Error).message}`);
    }
  }

  private save(session: McpSession, fields: { initialized?: boolean; stateJson?: string }): void {
    this.cluster.registry
      .update(session.id, this.cluster.replicaId, fields)
      .catch((error: Error) => {
        this.logger.warn(`Saving session ${session.id} failed: ${error.message}`);
      });
  }
}
