import type { McpSession } from './mcp-session.js';

/**
 * The sessions this replica holds, by id, and what `maxSessions` and `maxSessionsPerPrincipal` are
 * checked against: how many sessions are being opened, and how many each principal holds or is
 * opening.
 */
export class SessionTable {
  private readonly byId = new Map<string, McpSession>();
  private readonly perPrincipal = new Map<string, number>();
  private opening = 0;

  /** Sessions held. */
  get size(): number {
    return this.byId.size;
  }

  /** Sessions held and sessions being opened. */
  get occupancy(): number {
    return this.byId.size + this.opening;
  }

  get(sessionId: string): McpSession | undefined {
    return this.byId.get(sessionId);
  }

  values(): IterableIterator<McpSession> {
    return this.byId.values();
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }

  /** True while this very session (not another one under its id) is held. */
  holds(session: McpSession): boolean {
    return this.byId.get(session.id) === session;
  }

  /** Sessions held or being opened by `principal`. */
  sessionsOf(principal: string): number {
    return this.perPrincipal.get(principal) ?? 0;
  }

  /** Counts a session being opened for `principal`, before it is held. */
  reserve(principal: string | undefined): void {
    this.opening++;
    this.countPrincipal(principal, +1);
  }

  /** Holds a session whose opening was reserved. */
  admit(session: McpSession): void {
    this.opening--;
    this.byId.set(session.id, session);
  }

  /** Gives back the reservation of a session that did not open. */
  cancel(principal: string | undefined): void {
    this.opening--;
    this.countPrincipal(principal, -1);
  }

  /** Holds a session opened elsewhere (taken over from another replica). */
  hold(session: McpSession): void {
    this.byId.set(session.id, session);
    this.countPrincipal(session.principal, +1);
  }

  /** Stops holding the session; false when it was not the one held under its id. */
  remove(session: McpSession): boolean {
    if (!this.holds(session)) return false;
    this.byId.delete(session.id);
    this.countPrincipal(session.principal, -1);
    return true;
  }

  private countPrincipal(principal: string | undefined, delta: number): void {
    if (principal === undefined) return;
    const count = this.sessionsOf(principal) + delta;
    if (count > 0) this.perPrincipal.set(principal, count);
    else this.perPrincipal.delete(principal);
  }
}
