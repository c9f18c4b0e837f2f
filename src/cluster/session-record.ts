import type { Implementation } from '../protocol/json-rpc.js';
import { McpSession } from '../session/mcp-session.js';

/**
 * What the cluster keeps of a session in Redis: what it takes to rebuild the session on any
 * replica, and which replica serves it now.
 */
export interface SessionRecord {
  id: string;
  principal: string | undefined;
  createdAt: number;
  /** When the session's last request ended (or began, for a request still in flight). */
  lastActivityAt: number;
  protocolVersion: string | undefined;
  clientInfo: Implementation | undefined;
  initializeJson: string;
  clientInitialized: boolean;
  /** The session's `state` object, as JSON. */
  stateJson: string;
  /** The replica that holds the session's server, or `''` when none does. */
  owner: string;
}

/** The record of a local session, owned by `owner`. */
export function recordOf(session: McpSession, owner: string): SessionRecord {
  return {
    id: session.id,
    principal: session.principal,
    createdAt: session.createdAt,
    lastActivityAt: session.lastActivityAt,
    protocolVersion: session.protocolVersion,
    clientInfo: session.clientInfo,
    initializeJson: session.initializeJson ?? '',
    clientInitialized: session.clientInitialized,
    stateJson: JSON.stringify(session.state),
    owner,
  };
}

/** A local session rebuilt from its record: hibernated, so that its next request wakes it. */
export function sessionFromRecord(record: SessionRecord, now: number): McpSession {
  return McpSession.restore(
    { ...record, state: JSON.parse(record.stateJson) as Record<string, unknown> },
    now,
  );
}

/** The record as the fields of a Redis hash; `undefined` fields are left out. */
export function toHashFields(record: SessionRecord): string[] {
  const fields: Record<string, string | undefined> = {
    principal: record.principal,
    createdAt: String(record.createdAt),
    lastActivityAt: String(record.lastActivityAt),
    protocolVersion: record.protocolVersion,
    clientInfo: record.clientInfo && JSON.stringify(record.clientInfo),
    initialize: record.initializeJson,
    initialized: record.clientInitialized ? '1' : '0',
    state: record.stateJson,
    owner: record.owner,
  };
  return Object.entries(fields).flatMap(([name, value]) =>
    value === undefined ? [] : [name, value],
  );
}

/** The record read back from its Redis hash (`HGETALL` as a flat list of names and values). */
export function fromHashFields(id: string, flat: string[]): SessionRecord {
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i], flat[i + 1]);
  const clientInfo = fields.get('clientInfo');
  return {
    id,
    principal: fields.get('principal'),
    createdAt: Number(fields.get('createdAt')),
    lastActivityAt: Number(fields.get('lastActivityAt') ?? fields.get('createdAt')),
    protocolVersion: fields.get('protocolVersion'),
    clientInfo: clientInfo === undefined ? undefined : (JSON.parse(clientInfo) as Implementation),
    initializeJson: fields.get('initialize') ?? '',
    clientInitialized: fields.get('initialized') === '1',
    stateJson: fields.get('state') ?? '{}',
    owner: fields.get('owner') ?? '',
  };
}
