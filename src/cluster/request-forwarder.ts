import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { RedisClient } from '../redis/redis-client.js';
import type { ClusterMessage, ForwardedRequest } from './cluster-messages.js';
import { type Observable, Subject } from 'rxjs';
import { RemoteResponse } from './remote-response.js';

/** How a forwarded request went, seen from the replica that forwarded it. */
export type ForwardOutcome =
  /** The owner answered (or the client went away). */
  | 'served'
  /** The owner does not hold the session: look it up again. */
  | 'gone'
  /** No replica listens on the owner's channel: the owner is dead, take the session over. */
  | 'unreachable'
  /** The owner listens but did not acknowledge in time; the request may run there, do not resend. */
  | 'timeout';

/** What other replicas send the owner of a session. */
export type InboundMessage =
  /**
   * A request to serve: call `accept()` at once if this replica holds its session (it is then
   * answered through `res`); else the sender is told to look the session up again.
   */
  | { type: 'request'; request: ForwardedRequest; res: RemoteResponse; accept(): void }
  | Extract<ClusterMessage, { type: 'close' | 'revoke' }>;

interface PendingForward {
  id: string;
  owner: string;
  res: ServerResponse;
  acknowledged: boolean;
  settle: (outcome: ForwardOutcome) => void;
}

interface ServedForward {
  from: string;
  res: RemoteResponse;
}

/**
 * Forwards requests between replicas over Redis pub/sub: each replica listens on its own channel.
 * The replica that receives a request for a session another replica owns publishes it there; the
 * owner serves it and publishes the response back, head, body chunks and end, which the first
 * replica writes to its client as they come. SSE streams thus stay open across replicas.
 *
 * Pub/sub delivers at most once: when this replica's subscription drops, every forward in either
 * direction is cut, since some of its messages may be lost.
 */
export class RequestForwarder {
  private readonly logger = new Logger(RequestForwarder.name);
  private readonly pending = new Map<string, PendingForward>();
  private readonly served = new Map<string, ServedForward>();
  private readonly inbound = new Subject<InboundMessage>();
  private readonly reconnections = new Subject<void>();
  /** What other replicas send here; until something subscribes, their requests are refused. */
  readonly inbound$: Observable<InboundMessage> = this.inbound.asObservable();
  /** The pub/sub connection came back: messages sent meanwhile may have been lost. */
  readonly reconnected$: Observable<void> = this.reconnections.asObservable();

  constructor(
    private readonly publisher: RedisClient,
    private readonly subscriber: RedisClient,
    private readonly channelPrefix: string,
    readonly replicaId: string,
    private readonly ackTimeoutMs: number,
  ) {}

  /** Starts listening on this replica's channel. */
  async listen(): Promise<void> {
    this.subscriber.on('message', (_channel: string, raw: string) => this.receive(raw));
    await this.subscriber.subscribe(this.channelOf(this.replicaId));
    // ioredis subscribes again by itself after a reconnection; what was sent meanwhile is lost.
    this.subscriber.on('ready', () => {
      this.cutEverything();
      this.reconnections.next();
    });
  }

  /**
   * Forwards a request to the replica `owner` and writes its answer to `res`. Resolves once the
   * answer is complete, the client went away, or the owner turned out not to serve it.
   */
  forward(owner: string, request: ForwardedRequest, res: ServerResponse): Promise<ForwardOutcome> {
    if (res.destroyed || res.writableEnded) return Promise.resolve('served');
    const id = randomUUID();
    return new Promise<ForwardOutcome>((resolve) => {
      const timer = setTimeout(() => {
        if (!forward.acknowledged) this.cut(forward);
      }, this.ackTimeoutMs);
      const forward: PendingForward = {
        id,
        owner,
        res,
        acknowledged: false,
        settle: (outcome) => {
          if (this.pending.get(id) !== forward) return;
          this.pending.delete(id);
          clearTimeout(timer);
          resolve(outcome);
        },
      };
      this.pending.set(id, forward);
      res.once('close', () => {
        if (this.pending.get(id) !== forward) return;
        this.send(owner, { type: 'abort', id });
        forward.settle('served');
      });
      void this.send(owner, { type: 'request', id, from: this.replicaId, request }).then(
        (listeners) => {
          if (listeners === 0) forward.settle('unreachable');
        },
      );
    });
  }

  /** Replicas that answer requests forwarded from here, or that forwarded requests served here. */
  peers(): string[] {
    const owners = [...this.pending.values()].map((forward) => forward.owner);
    const senders = [...this.served.values()].map((served) => served.from);
    return [...new Set([...owners, ...senders])];
  }

  /**
   * Cuts the forwards in either direction between here and `replica`, which is gone: they will
   * never complete.
   */
  cutForwardsWith(replica: string): void {
    for (const forward of [...this.pending.values()]) {
      if (forward.owner === replica) this.cut(forward);
    }
    for (const served of [...this.served.values()]) {
      if (served.from === replica) served.res.abort();
    }
  }

  /**
   * Sends a message to another replica; resolves with the number of replicas that received it (0
   * when the publish failed).
   */
  send(replica: string, message: ClusterMessage): Promise<number> {
    return this.publisher
      .publish(this.channelOf(replica), JSON.stringify(message))
      .catch((error) => {
        this.logger.warn(`Publishing to replica ${replica} failed: ${(error as Error).message}`);
        return 0;
      });
  }

  /** Stops listening, after cutting every forward in either direction. */
  async close(): Promise<void> {
    this.inbound.complete();
    this.reconnections.complete();
    this.cutEverything();
    this.subscriber.removeAllListeners('ready');
    await this.subscriber.unsubscribe().catch(() => undefined);
  }

  private cutEverything(): void {
    for (const forward of [...this.pending.values()]) this.cut(forward);
    for (const served of [...this.served.values()]) served.res.abort();
  }

  /**
   * Gives up a forward that will not complete, telling its owner: the client sees its stream end,
   * or, if nothing was sent yet, the forward settles as timed out.
   */
  private cut(forward: PendingForward): void {
    void this.send(forward.owner, { type: 'abort', id: forward.id });
    if (!forward.res.headersSent) return forward.settle('timeout');
    forward.res.end();
    forward.settle('served');
  }

  private channelOf(replica: string): string {
    return `${this.channelPrefix}${replica}`;
  }

  private receive(raw: string): void {
    let message: ClusterMessage;
    try {
      message = JSON.parse(raw) as ClusterMessage;
    } catch {
      this.logger.warn('Ignored a cluster message that is not JSON');
      return;
    }
    switch (message.type) {
      case 'request':
        return this.serve(message);
      case 'abort':
        return this.served.get(message.id)?.res.abort();
      case 'close':
      case 'revoke':
        return this.inbound.next(message);
      default:
        return this.answer(message);
    }
  }

  /** Serves a request forwarded here, publishing the response to the replica that sent it. */
  private serve({ id, from, request }: Extract<ClusterMessage, { type: 'request' }>): void {
    // A reply that cannot be published is lost: stop serving it.
    const res = new RemoteResponse(id, (message) => {
      void this.send(from, message).then((listeners) => {
        if (listeners === 0) res.abort();
      });
    });
    this.served.set(id, { from, res });
    res.once('close', () => this.served.delete(id));
    let accepted = false;
    this.inbound.next({ type: 'request', request, res, accept: () => (accepted = true) });
    if (accepted) {
      void this.send(from, { type: 'ack', id });
    } else {
      this.served.delete(id);
      void this.send(from, { type: 'gone', id });
    }
  }

  /** Writes the owner's answer to the client of a request forwarded from here. */
  private answer(
    message: Exclude<ClusterMessage, { type: 'request' | 'abort' | 'close' | 'revoke' }>,
  ): void {
    const forward = this.pending.get(message.id);
    if (!forward) return;
    const { res } = forward;
    switch (message.type) {
      case 'ack':
        forward.acknowledged = true;
        return;
      case 'gone':
        return forward.settle('gone');
      case 'head':
        forward.acknowledged = true;
        // Set one by one rather than passed to writeHead, so that they stay readable on `res`:
        // shutdown reads the content type to answer a call it cuts in the response's format.
        for (const [name, value] of Object.entries(message.headers)) res.setHeader(name, value);
        res.writeHead(message.status);
        res.flushHeaders();
        return;
      case 'data':
        res.write(message.chunk);
        return;
      case 'end':
        res.end();
        return forward.settle('served');
    }
  }
}
