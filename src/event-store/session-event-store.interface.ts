import type { EventId, JsonRpcMessage, StreamId } from '../protocol/json-rpc.js';

/**
 * A store of SSE events that makes streams resumable, scoped by session: an event id never
 * replays events of another session, and every event of a session can be purged at once.
 *
 * It is the SDK's `EventStore` with the session made explicit; {@link scopeEventStore} adapts it to
 * the SDK's interface for one session's transport.
 *
 * @publicApi
 */
export interface SessionEventStore {
  /** Stores a message sent on a stream of the session and returns its new event id. */
  storeEvent(sessionId: string, streamId: StreamId, message: JsonRpcMessage): Promise<EventId>;
  /** The stream the event belongs to, or `undefined` when it is unknown to this session. */
  getStreamIdForEventId(sessionId: string, eventId: EventId): Promise<StreamId | undefined>;
  /**
   * Sends, in order, the events of the same stream stored after `lastEventId`, and returns the
   * stream id. Rejects when the event is unknown to this session.
   */
  replayEventsAfter(
    sessionId: string,
    lastEventId: EventId,
    send: (eventId: EventId, message: JsonRpcMessage) => Promise<void>,
  ): Promise<StreamId>;
  /** Deletes every event of the session; called when the session ends. */
  purgeSession(sessionId: string): Promise<void>;
  /** Releases the store's resources at application shutdown. */
  close?(): Promise<void>;
  /**
   * What the store holds for `sessionIds` (the sessions of this replica), for the module's
   * `event_store` gauges; a store without it is not measured.
   */
  usage?(sessionIds: readonly string[]): Promise<EventStoreUsage>;
}

/**
 * How much an event store holds: events, and bytes as the store counts them.
 *
 * @publicApi
 */
export interface EventStoreUsage {
  events: number;
  bytes: number;
}

/** The event store of one session's transport: the shape of the SDK's `EventStore`. */
export interface ScopedEventStore {
  storeEvent(streamId: StreamId, message: JsonRpcMessage): Promise<EventId>;
  getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined>;
  replayEventsAfter(
    lastEventId: EventId,
    options: { send: (eventId: EventId, message: JsonRpcMessage) => Promise<void> },
  ): Promise<StreamId>;
}

/** Adapts a session-scoped store to the SDK's `EventStore` for the transport of one session. */
export function scopeEventStore(store: SessionEventStore, sessionId: string): ScopedEventStore {
  return {
    storeEvent: (streamId, message) => store.storeEvent(sessionId, streamId, message),
    getStreamIdForEventId: (eventId) => store.getStreamIdForEventId(sessionId, eventId),
    replayEventsAfter: (lastEventId, { send }) =>
      store.replayEventsAfter(sessionId, lastEventId, send),
  };
}
