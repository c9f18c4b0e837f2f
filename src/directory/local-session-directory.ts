import { EMPTY, type Observable } from 'rxjs';
import {
  principalQuotaReached,
  SESSION_NOT_FOUND,
  tooManySessions,
  type HttpJsonRpcError,
} from '../http/json-rpc-error.js';
import type { McpRequest } from '../pipeline/mcp-request.js';
import type { McpSession, SessionLimits } from '../session/mcp-session.js';
import { SessionTable } from '../session/session-table.js';
import { sweepInSlices } from '../session/sweep.js';
import type { SessionBounds } from './session-bounds.js';
import type {
  ExpiredSession,
  LostSession,
  SessionDirectory,
  SessionResolution,
} from './session-directory.interface.js';

/**
 * The held session a request names, if `principal` owns it; `expired` when it is over its idle
 * timeout or lifetime, which a request that comes before the sweep must see as the sweep would.
 */
export function resolveHeld(
  table: SessionTable,
  sessionId: string,
  principal: string | undefined,
  limits: SessionLimits,
): SessionResolution {
  const session = table.get(sessionId);
  if (!session || session.principal !== principal) {
    return { kind: 'refused', error: SESSION_NOT_FOUND };
  }
  const reason = session.expiry(Date.now(), limits);
  return reason ? { kind: 'expired', session, reason } : { kind: 'held', session };
}

/** The 503 or 429 for a session over `maxSessions` or its principal's quota, if it is. */
export function capacityRefusal(
  bounds: SessionBounds,
  refusal: 'full' | 'quota' | undefined,
): HttpJsonRpcError | undefined {
  if (refusal === 'full') return tooManySessions(bounds.maxSessions, bounds.reapIntervalMs);
  if (refusal === 'quota') return principalQuotaReached(bounds.maxSessionsPerPrincipal!);
  return undefined;
}

/** The sessions of one process: all of them are held here, and end here. */
export class LocalSessionDirectory implements SessionDirectory {
  private readonly table = new SessionTable();
  readonly held = this.table;
  readonly retirementAtShutdown: SessionDirectory['retirementAtShutdown'] = 'terminate';
  readonly lost$: Observable<LostSession> = EMPTY;
  readonly forwarded$: Observable<McpRequest> = EMPTY;

  constructor(private readonly bounds: SessionBounds) {}

  async start(): Promise<void> {}

  async reserve(session: McpSession): Promise<HttpJsonRpcError | undefined> {
    const { maxSessions, maxSessionsPerPrincipal: quota } = this.bounds;
    const { principal } = session;
    let refusal: 'full' | 'quota' | undefined;
    if (this.table.occupancy >= maxSessions) refusal = 'full';
    else if (
      principal !== undefined &&
      quota !== null &&
      this.table.sessionsOf(principal) >= quota
    ) {
      refusal = 'quota';
    }
    if (!refusal) this.table.reserve(principal);
    return capacityRefusal(this.bounds, refusal);
  }

  admit(session: McpSession): void {
    this.table.admit(session);
  }

  async cancel(session: McpSession): Promise<void> {
    this.table.cancel(session.principal);
  }

  async resolve(request: McpRequest, sessionId: string): Promise<SessionResolution> {
    return resolveHeld(this.table, sessionId, request.principal, this.bounds.limits);
  }

  /** Every session of this process is held here: none is elsewhere. */
  async forward(): Promise<SessionResolution> {
    return { kind: 'refused', error: SESSION_NOT_FOUND };
  }

  /** One process serves its sessions as long as it runs. */
  servingRefusal(): HttpJsonRpcError | undefined {
    return undefined;
  }

  retire(session: McpSession): boolean {
    return this.table.remove(session);
  }

  async announce(): Promise<void> {}

  async reapExpired(now: number): Promise<ExpiredSession[]> {
    const expired: ExpiredSession[] = [];
    await sweepInSlices(this.table.values(), (session) => {
      const reason = session.expiry(now, this.bounds.limits);
      if (reason) expired.push({ kind: 'held', session, reason });
    });
    return expired;
  }

  drain(): McpSession[] {
    return [];
  }

  activityStarted(): void {}

  activityEnded(): void {}

  clientInitialized(): void {}
}
