import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { EventStream } from './exchange.js';
import { KEEP_ALIVE_EVENT } from './sse-events.js';

/** The id under which the session's standalone `GET` stream is held. */
export const STANDALONE_STREAM = '_GET_stream';

/** One open response of the transport: a POST's (SSE or JSON) or the standalone `GET` stream. */
export interface OpenResponse {
  events?: EventStream;
  answerJson?: (messages: JSONRPCMessage[]) => void;
  /** Events of a resumed stream sent by its replay, not to be sent again. */
  replayedEventIds?: Set<string>;
  /** Ends the response and takes it out of the table. */
  cleanup(): void;
}

/** An open SSE response, whose keep-alive comments start once its first events are written. */
export interface OpenStream extends OpenResponse {
  keepAlive(): void;
}

/** The transport's open responses, by stream id; each leaves the table when it ends or is cut. */
export class ResponseTable {
  private readonly open = new Map<string, OpenResponse>();

  /**
   * @param keepAliveMs Milliseconds between keep-alive comments on an open stream.
   * @param closed True once the transport is closed: no keep-alive starts then.
   */
  constructor(
    private readonly keepAliveMs: number,
    private readonly closed: () => boolean,
  ) {}

  get(streamId: string): OpenResponse | undefined {
    return this.open.get(streamId);
  }

  has(streamId: string): boolean {
    return this.open.has(streamId);
  }

  /** The number of open responses. */
  get size(): number {
    return this.open.size;
  }

  /** Holds a JSON response, answered with every answer of its POST at once. */
  openJson(streamId: string, answerJson: (messages: JSONRPCMessage[]) => void): void {
    this.open.set(streamId, { answerJson, cleanup: () => this.open.delete(streamId) });
  }

  /** Holds an SSE response under `streamId`. */
  openStream(streamId: string, events: EventStream, replayedEventIds?: Set<string>): OpenStream {
    let timer: NodeJS.Timeout | undefined;
    const stop = () => {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    };
    const open: OpenStream = {
      events,
      replayedEventIds,
      cleanup: () => {
        stop();
        if (this.open.get(streamId) === open) this.open.delete(streamId);
        events.end();
      },
      keepAlive: () => {
        const every = this.keepAliveMs;
        if (this.closed() || !Number.isFinite(every) || every < 1) return;
        timer = setInterval(
          () => {
            if (!events.write(KEEP_ALIVE_EVENT)) stop();
          },
          Math.min(every, 2 ** 31 - 1),
        );
        timer.unref();
      },
    };
    events.onCancel = () => {
      stop();
      if (this.open.get(streamId) === open) this.open.delete(streamId);
    };
    this.open.set(streamId, open);
    return open;
  }

  /** Ends every open response; when the transport closes. */
  cleanupAll(): void {
    for (const open of [...this.open.values()]) open.cleanup();
    this.open.clear();
  }
}
