import { Logger } from '@nestjs/common';
import {
  scopeEventStore,
  type ScopedEventStore,
  type SessionEventStore,
} from '../event-store/session-event-store.interface.js';
import type { McpTransportFactory } from '../server/mcp-transport.interface.js';
import type { McpServerSource } from '../server/mcp-server-source.js';
import type { McpTelemetry } from '../telemetry/mcp-telemetry.js';
import type { EventMute, LiveSession, McpSession } from './mcp-session.js';

/** What the manager does when a session's transport reports a lifecycle change. */
export interface LiveSessionCallbacks {
  /** The transport accepted the session's first `initialize`. */
  onInitialized?: () => void;
  /** The client sent `DELETE`. */
  onDeleted: () => Promise<void>;
  /** The transport closed without the manager asking it to. */
  onClosed: (live: LiveSession) => void;
}

const REPLAY_URL = 'http://localhost/mcp';
const REPLAY_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

/**
 * Builds the live part of a session (a new server from the factory, connected to a new transport
 * bound to the session id), and brings a rebuilt one back to the initialized state by replaying
 * the client's stored `initialize` (and `notifications/initialized`) through the transport's
 * public request API. The one mechanism serves new sessions and sessions that wake from
 * hibernation.
 */
export class LiveSessionBuilder {
  private readonly logger = new Logger(LiveSessionBuilder.name);

  constructor(
    private readonly transports: McpTransportFactory,
    private readonly eventStore: SessionEventStore | undefined,
    private readonly servers: McpServerSource,
    private readonly telemetry: McpTelemetry,
  ) {}

  /** A new server and transport for the session, connected but not yet initialized. */
  async build(session: McpSession, callbacks: LiveSessionCallbacks): Promise<LiveSession> {
    const { server, line } = await this.servers.create({
      era: 'legacy',
      sessionId: session.id,
      principal: session.principal,
      state: session.state,
    });
    const recorder = this.recorderFor(session.id);
    const transport = this.transports.forSession(line, {
      sessionId: session.id,
      eventStore: recorder?.eventStore,
      onInitialized: () => callbacks.onInitialized?.(),
      onDeleted: callbacks.onDeleted,
    });
    const live: LiveSession = { server, transport, events: recorder };
    transport.onclose = () => callbacks.onClosed(live);
    // The transport is of the server's own SDK line (see SdkTransportFactory).
    await server.connect(transport as never);
    this.telemetry.observeTransport(transport);
    return live;
  }

  /**
   * Brings a rebuilt session to the state its client left it in. The replayed exchange is not
   * recorded in the event store: no client will ever resume it.
   */
  async replayInitialization(live: LiveSession, session: McpSession): Promise<void> {
    if (!session.initializeJson)
      throw new Error(`Session ${session.id} has no initialize to replay`);
    const recorder = live.events;
    const initialize: unknown = JSON.parse(session.initializeJson);
    if (recorder) recorder.muted = true;
    try {
      // Not a request of the client's: not measured.
      await this.telemetry.unobserved(live.transport, () => this.sendInitialize(live, initialize));
      if (session.clientInitialized) {
        // Handed to the server as the transport hands over any notification: no HTTP exchange
        // is needed once the transport is initialized.
        live.transport.onmessage?.(
          { jsonrpc: '2.0', method: 'notifications/initialized' },
          { requestInfo: { headers: {} } },
        );
      }
    } finally {
      if (recorder) recorder.muted = false;
    }
  }

  /** Sends the stored `initialize` through the transport: the one public way to initialize it. */
  private async sendInitialize(live: LiveSession, initialize: unknown): Promise<void> {
    const response = await live.transport.handleRequest(
      new Request(REPLAY_URL, { method: 'POST', headers: REPLAY_HEADERS }),
      { parsedBody: initialize },
    );
    const text = await response.text();
    if (!response.ok) throw new Error(`Replaying the session's initialization failed: ${text}`);
  }

  private recorderFor(sessionId: string): EventRecorder | undefined {
    const store = this.eventStore;
    if (!store) return undefined;
    const scoped = scopeEventStore(store, sessionId);
    const recorder: EventRecorder = {
      muted: false,
      eventStore: {
        ...scoped,
        storeEvent: async (streamId, message) => {
          if (recorder.muted) return 'replay';
          try {
            return await scoped.storeEvent(streamId, message);
          } catch (error) {
            // The message is still delivered, without an event id: only resumability is lost.
            this.logger.warn(
              `Storing an event of session ${sessionId} failed: ${(error as Error).message}`,
            );
            return '';
          }
        },
      },
    };
    return recorder;
  }
}

/** A session's event store, which can be muted while the session's initialization is replayed. */
interface EventRecorder extends EventMute {
  eventStore: ScopedEventStore;
}
