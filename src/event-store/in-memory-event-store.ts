import { randomUUID } from 'node:crypto';
import type { EventId, JsonRpcMessage, StreamId } from '../protocol/json-rpc.js';
import { flatString } from '../shared/flat-string.js';
import type { EventStoreUsage, SessionEventStore } from './session-event-store.interface.js';

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
   * Memory the store may hold across sessions, in bytes: each event's serialized size plus
   * {@link InMemoryEventStore.EVENT_OVERHEAD_BYTES}, and
   * {@link InMemoryEventStore.STREAM_OVERHEAD_BYTES} per stream. The oldest events are dropped
   * first, and a stream is forgotten with its last event.
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

/**
 * The events of one stream of one session, serialized (a string costs far less memory than the
 * parsed message). Sequence numbers are contiguous: `events[i]` has `firstSeq + i`. The token
 * makes event ids unguessable.
 */
interface StreamLog {
  sessionId: string;
  streamId: StreamId;
  token: string;
  firstSeq: number;
  events: string[];
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
 * A cursor into a stream whose events were all dropped by the total bound is unknown (the client's
 * resumption gets 400); a cursor to a dropped event of a stream that still holds later events
 * replays what remains.
 *
 * @publicApi
 */
export class InMemoryEventStore implements SessionEventStore {
  /** Bookkeeping charged to `maxTotalBytes` for each event, on top of its serialized size. */
  static readonly EVENT_OVERHEAD_BYTES = 48;
  /** Bookkeeping charged to `maxTotalBytes` for each stream held. */
  static readonly STREAM_OVERHEAD_BYTES = 384;

  private readonly maxEventsPerStream: number;
  private readonly maxTotalBytes: number;
  private readonly maxStreamsPerSession: number;
  private readonly logsBySession = new Map<string, Map<StreamId, StreamLog>>();
  private readonly logsByToken = new Map<string, StreamLog>();
  /** The store-wide age order, as two parallel queues: the log and sequence of every event. */
  private ageLogs: StreamLog[] = [];
  private ageSeqs: number[] = [];
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

  /** Bytes charged to `maxTotalBytes`: serialized events plus bookkeeping, across sessions. */
  get bytes(): number {
    return this.totalBytes;
  }

  /**
   * Every event held and the bytes charged to `maxTotalBytes`: all of them belong to the sessions
   * of this process, so `sessionIds` is not needed to scope them.
   */
  async usage(): Promise<EventStoreUsage> {
    return { events: this.totalEvents, bytes: this.totalBytes };
  }

  /** Number of sessions with at least one stream held. */
  get sessionCount(): number {
    return this.logsBySession.size;
  }

  /** Number of streams held, across sessions. */
  get streamCount(): number {
    return this.logsByToken.size;
  }

  async storeEvent(
    sessionId: string,
    streamId: StreamId,
    message: JsonRpcMessage,
  ): Promise<EventId> {
    const log = this.logFor(sessionId, streamId);
    const json = flatString(JSON.stringify(message));
    const seq = log.firstSeq + log.events.length;
    log.events.push(json);
    this.ageLogs.push(log);
    this.ageSeqs.push(seq);
    this.totalBytes += eventCost(json);
    this.totalEvents++;
    if (log.events.length > this.maxEventsPerStream) this.dropOldest(log);
    while (this.totalBytes > this.maxTotalBytes) {
      if (!this.evictOldest()) break;
    }
    this.compactAgeOrder();
    return `${log.token}${EVENT_ID_SEPARATOR}${seq}`;
  }

  async getStreamIdForEventId(sessionId: string, eventId: EventId): Promise<StreamId | undefined> {
    return this.locate(sessionId, eventId)?.log.streamId;
  }

  async replayEventsAfter(
    sessionId: string,
    lastEventId: EventId,
    send: (eventId: EventId, message: JsonRpcMessage) => Promise<void>,
  ): Promise<StreamId> {
    const found = this.locate(sessionId, lastEventId);
    if (!found) throw new Error(`Unknown event id for this session: ${lastEventId}`);
    const { log, seq } = found;
    // A copy: the stream may grow or shrink while `send` awaits.
    const firstMissed = Math.max(seq + 1, log.firstSeq);
    const missed = log.events.slice(firstMissed - log.firstSeq);
    for (const [offset, json] of missed.entries()) {
      if (json === PRIMING_JSON) continue;
      const message = JSON.parse(json) as JsonRpcMessage;
      await send(`${log.token}${EVENT_ID_SEPARATOR}${firstMissed + offset}`, message);
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
    this.ageLogs = [];
    this.ageSeqs = [];
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
      const token = flatString(randomUUID().replace(/-/g, '').slice(0, 16));
      log = {
        sessionId,
        streamId: flatString(streamId),
        token,
        firstSeq: 1,
        events: [],
      };
      // Keyed by the flat copy: the map keeps its key alive.
      logs.set(log.streamId, log);
      this.logsByToken.set(token, log);
      this.totalBytes += InMemoryEventStore.STREAM_OVERHEAD_BYTES;
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
    return seq < log.firstSeq + log.events.length ? { log, seq } : undefined;
  }

  /** Forgets a stream and its events (the caller removes it from its session's map). */
  private dropLog(log: StreamLog): void {
    this.logsByToken.delete(log.token);
    for (const json of log.events) this.forget(json);
    log.events = [];
    this.totalBytes -= InMemoryEventStore.STREAM_OVERHEAD_BYTES;
  }

  private dropOldest(log: StreamLog): void {
    const json = log.events.shift();
    if (json === undefined) return;
    log.firstSeq++;
    this.forget(json);
  }

  /**
   * Drops the store-wide oldest event still held, and its stream once that was the stream's last
   * event; false when nothing is left to drop.
   */
  private evictOldest(): boolean {
    while (this.ageHead < this.ageLogs.length) {
      const log = this.ageLogs[this.ageHead];
      const seq = this.ageSeqs[this.ageHead];
      this.ageHead++;
      if (log.events.length === 0 || log.firstSeq !== seq) continue;
      this.dropOldest(log);
      if (log.events.length === 0) this.forgetStream(log);
      return true;
    }
    return false;
  }

  private forgetStream(log: StreamLog): void {
    const logs = this.logsBySession.get(log.sessionId);
    logs?.delete(log.streamId);
    if (logs?.size === 0) this.logsBySession.delete(log.sessionId);
    this.dropLog(log);
  }

  private forget(json: string): void {
    this.totalBytes -= eventCost(json);
    this.totalEvents--;
  }

  /** Keeps the age order from growing without bound: rebuilt once most of it is stale. */
  private compactAgeOrder(): void {
    const length = this.ageLogs.length;
    if (length < 1024 || length < this.totalEvents * 2) return;
    const logs: StreamLog[] = [];
    const seqs: number[] = [];
    for (let i = this.ageHead; i < length; i++) {
      const log = this.ageLogs[i];
      const seq = this.ageSeqs[i];
      if (seq >= log.firstSeq && seq < log.firstSeq + log.events.length) {
        logs.push(log);
        seqs.push(seq);
      }
    }
    this.ageLogs = logs;
    this.ageSeqs = seqs;
    this.ageHead = 0;
  }
}

/** What one event is charged against the total bound. */
function eventCost(json: string): number {
  return Buffer.byteLength(json) + InMemoryEventStore.EVENT_OVERHEAD_BYTES;
}
