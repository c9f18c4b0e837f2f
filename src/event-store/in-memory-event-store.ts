import { randomUUID } from 'node:crypto';
import type { EventId, StreamId } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { SessionEventStore } from './session-event-store.interface.js';

/**
 * Bounds of the {@link InMemoryEventStore}.
 *
 * @publicApi
 */
export interface InMemoryEventStoreOptions {
  /**
   * Events kept per stream; older ones are dropped first.
   * @default 1000
   */
  maxEventsPerStream?: number;
  /**
   * Serialized size of all events kept, across sessions; the oldest events are dropped first.
   * Events are held serialized, so this bounds their memory too.
   * @default 10485760 (10 MiB)
   */
  maxTotalBytes?: number;
  /**
   * Streams kept per session (every SSE response is a stream); the oldest stream is dropped
   * with its events when a session opens one more.
   * @default 1000
   */
  maxStreamsPerSession?: number;
}

interface StoredEvent {
  seq: number;
  /** The message, serialized: a string costs far less memory than the parsed object. */
  json: string;
  bytes: number;
}

/** The events of one stream of one session. Its token makes event ids unguessable. */
interface StreamLog {
  sessionId: string;
  streamId: StreamId;
  token: string;
  nextSeq: number;
  events: StoredEvent[];
  purged: boolean;
}

/** An entry of the store-wide age order, used to drop the oldest events first. */
interface AgeEntry {
  log: StreamLog;
  seq: number;
}

const EVENT_ID_SEPARATOR = '.';
/** Sequence numbers in event ids: one spelling per number. */
const CANONICAL_SEQUENCE = /^[1-9]\d{0,15}$/;

/** The SDK stores a priming event as an empty message. */
const PRIMING_JSON = '{}';

/**
 * The default event store: in process memory, scoped by session, bounded per stream and in total,
 * and purged when its session ends. Event ids have the form `<stream token>.<sequence>`.
 *
 * @publicApi
 */
export class InMemoryEventStore implements SessionEventStore {
  private readonly maxEventsPerStream: number;
  private readonly maxTotalBytes: number;
  private readonly maxStreamsPerSession: number;
  private readonly logsBySession = new Map<string, Map<StreamId, StreamLog>>();
  private readonly logsByToken = new Map<string, StreamLog>();
  private ageOrder: AgeEntry[] = [];
  private ageHead = 0;
  private totalBytes = 0;
  private totalEvents = 0;

  constructor(options: InMemoryEventStoreOptions = {}) {
    this.maxEventsPerStream = options.maxEventsPerStream ?? 1000;
    this.maxTotalBytes = options.maxTotalBytes ?? 10 * 1024 * 1024;
    this.maxStreamsPerSession = options.maxStreamsPerSession ?? 1000;
    for (const [name, value] of Object.entries({
      maxEventsPerStream: this.maxEventsPerStream,
      maxTotalBytes: this.maxTotalBytes,
      maxStreamsPerSession: this.maxStreamsPerSession,
    })) {
      if (!Number.isInteger(value) || value <= 0) {
        throw new RangeError(`InMemoryEventStore option "${name}" must be a positive integer`);
      }
    }
  }

  /** Number of events held, across sessions. */
  get size(): number {
    return this.totalEvents;
  }

  /** Serialized bytes held, across sessions. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** Number of sessions with at least one stream held. */
  get sessionCount(): number {
    return this.logsBySession.size;
  }

  async storeEvent(
    sessionId: string,
    streamId: StreamId,
    message: JSONRPCMessage,
  ): Promise<EventId> {
    const log = this.logFor(sessionId, streamId);
    const json = JSON.stringify(message);
    const event: StoredEvent = { seq: log.nextSeq++, json, bytes: Buffer.byteLength(json) };
    log.events.push(event);
    this.ageOrder.push({ log, seq: event.seq });
    this.totalBytes += event.bytes;
    this.totalEvents++;
    if (log.events.length > this.maxEventsPerStream) this.dropOldest(log);
    while (this.totalBytes > this.maxTotalBytes) {
      if (!this.evictOldest()) break;
    }
    this.compactAgeOrder();
    return `${log.token}${EVENT_ID_SEPARATOR}${event.seq}`;
  }

  async getStreamIdForEventId(sessionId: string, eventId: EventId): Promise<StreamId | undefined> {
    return this.locate(sessionId, eventId)?.log.streamId;
  }

  async replayEventsAfter(
    sessionId: string,
    lastEventId: EventId,
    send: (eventId: EventId, message: JSONRPCMessage) => Promise<void>,
  ): Promise<StreamId> {
    const found = this.locate(sessionId, lastEventId);
    if (!found) throw new Error(`Unknown event id for this session: ${lastEventId}`);
    const { log, seq } = found;
    const missed = log.events.filter((event) => event.seq > seq);
    for (const event of missed) {
      if (event.json !== PRIMING_JSON) {
        const message = JSON.parse(event.json) as JSONRPCMessage;
        await send(`${log.token}${EVENT_ID_SEPARATOR}${event.seq}`, message);
      }
    }
    return log.streamId;
  }

  async purgeSession(sessionId: string): Promise<void> {
    const logs = this.logsBySession.get(sessionId);
    if (!logs) return;
    this.logsBySession.delete(sessionId);
    for (const log of logs.values()) this.dropLog(log);
    this.compactAgeOrder();
  }

  async close(): Promise<void> {
    this.logsBySession.clear();
    this.logsByToken.clear();
    this.ageOrder = [];
    this.ageHead = 0;
    this.totalBytes = 0;
    this.totalEvents = 0;
  }

  private logFor(sessionId: string, streamId: StreamId): StreamLog {
    let logs = this.logsBySession.get(sessionId);
    if (!logs) {
      logs = new Map();
      this.logsBySession.set(sessionId, logs);
    }
    let log = logs.get(streamId);
    if (!log) {
      if (logs.size >= this.maxStreamsPerSession) {
        const oldest = logs.values().next().value as StreamLog;
        logs.delete(oldest.streamId);
        this.dropLog(oldest);
      }
      // randomUUID draws from a pooled CSPRNG buffer: far cheaper per stream than randomBytes.
      const token = randomUUID().replace(/-/g, '').slice(0, 16);
      log = { sessionId, streamId, token, nextSeq: 1, events: [], purged: false };
      logs.set(streamId, log);
      this.logsByToken.set(token, log);
    }
    return log;
  }

  /** Finds the log and sequence an event id names, only within the given session. */
  private locate(sessionId: string, eventId: EventId): { log: StreamLog; seq: number } | undefined {
    const separator = eventId.lastIndexOf(EVENT_ID_SEPARATOR);
    if (separator <= 0) return undefined;
    const log = this.logsByToken.get(eventId.slice(0, separator));
    const seqText = eventId.slice(separator + 1);
    if (!log || log.sessionId !== sessionId || !CANONICAL_SEQUENCE.test(seqText)) return undefined;
    const seq = Number(seqText);
    return seq < log.nextSeq ? { log, seq } : undefined;
  }

  /** Forgets a stream and its events. */
  private dropLog(log: StreamLog): void {
    log.purged = true;
    this.logsByToken.delete(log.token);
    for (const event of log.events) this.forget(event);
    log.events = [];
  }

  private dropOldest(log: StreamLog): void {
    const event = log.events.shift();
    if (event) this.forget(event);
  }

  /** Drops the store-wide oldest event still held; false when nothing is left to drop. */
  private evictOldest(): boolean {
    while (this.ageHead < this.ageOrder.length) {
      const { log, seq } = this.ageOrder[this.ageHead++];
      if (!log.purged && log.events[0]?.seq === seq) {
        this.dropOldest(log);
        return true;
      }
    }
    return false;
  }

  private forget(event: StoredEvent): void {
    this.totalBytes -= event.bytes;
    this.totalEvents--;
  }

  /** Keeps the age order from growing without bound: rebuilt once most of it is stale. */
  private compactAgeOrder(): void {
    if (this.ageOrder.length < 1024 || this.ageOrder.length < this.totalEvents * 2) return;
    this.ageOrder = this.ageOrder
      .slice(this.ageHead)
      .filter(({ log, seq }) => !log.purged && log.events.length > 0 && seq >= log.events[0].seq);
    this.ageHead = 0;
  }
}
