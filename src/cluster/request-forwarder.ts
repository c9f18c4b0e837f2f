import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import type { ClusterMessage, ForwardedRequest } from './cluster-messages.js';
import { RemoteResponse } from './remote-response.js';

/** How a forwarded request went, seen from the replica that forwarded it. */
export type ForwardOutcome =
  /** The owner answered (or the client went away). */
  | 'served'
  /** The owner does not hold the session: look it up again. */
  | 'gone'
  /** The owner did not acknowledge in time: it may be dead. */
  | 'unreachable';

/** What the owner of a session does with what other replicas send it. */
export interface ForwardedWork {
  /** Serves the request; false, doing nothing, when this replica does not hold the session. */
  serve(request: ForwardedRequest, res: RemoteResponse): boolean;
  close(message: Extract<ClusterMessage, { type: 'close' }>): void;
  revoke(sessionId: string): void;
}

interface PendingForward {
  owner: string;
  res: ServerResponse;
  acknowledged: boolean;
  settle: (outcome: ForwardOutcome) => void;
}

/**
 * Forwards requests between replicas over Redis pub/sub: each replica listens on its own channel.
 * The replica that receives a request for a session another replica owns publishes it there; the
 * owner serves it and publishes the response back, head, body chunks and end, which the first
 * replica writes to its client as they come. SSE streams thus stay open across replicas.
 */
export class RequestForwarder {
  private readonly logger = new Logger(RequestForwarder.name);
  private readonly pending = new Map<string, PendingForward>();
  private readonly served = new Map<string, RemoteResponse>();
  private work: ForwardedWork | undefined;

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly channelPrefix: string,
    readonly replicaId: string,
    private readonly ackTimeoutMs: number,
  ) {}

  /** Starts listening on this replica's channel. */
  async listen(): Promise<void> {
    this.subscriber.on('message', (_channel: string, raw: string) => this.receive(raw));
    await this.subscriber.subscribe(this.channelOf(this.replicaId));
  }

  /** Hands what other replicas send here to `work`; until then, their requests are refused. */
  attach(work: ForwardedWork): void {
    this.work = work;
  }

  /**
   * Forwards a request to the replica `owner` and writes its answer to `res`. Resolves once the
   * answer is complete, the client went away, or the owner turned out not to serve it.
   */
  forward(owner: string, request: ForwardedRequest, res: ServerResponse): Promise<ForwardOutcome> {
    const id = randomUUID();
    return new Promise<ForwardOutcome>((resolve) => {
      const timer = setTimeout(() => {
        if (!forward.acknowledged) forward.settle('unreachable');
      }, this.ackTimeoutMs);
      const forward: PendingForward = {
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
      this.send(owner, { type: 'request', id, from: this.replicaId, request });
    });
  }

  /** Replicas that answer requests forwarded from here right now. */
  ownersOfOpenForwards(): string[] {
    return [...new Set([...this.pending.values()].map((forward) => forward.owner))];
  }

  /** Ends the responses that `owner` was answering: it is gone, and they will never complete. */
  cutForwardsTo(owner: string): void {
    for (const forward of [...this.pending.values()]) {
      if (forward.owner !== owner) continue;
      if (!forward.res.headersSent) {
        forward.settle('unreachable');
        continue;
      }
      forward.res.end();
      forward.settle('served');
    }
  }

  /** Sends a message to another replica. */
  send(replica: string, message: ClusterMessage): void {
    this.publisher.publish(this.channelOf(replica), JSON.stringify(message)).catch((error) => {
      this.logger.warn(`Publishing to replica ${replica} failed: ${(error as Error).message}`);
    });
  }

  /** Stops listening; the answers still owed to other replicas are ended. */
  async close(): Promise<void> {
    for (const res of this.served.values()) res.end();
    await this.subscriber.unsubscribe().catch(() => undefined);
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
        return this.served.get(message.id)?.abort();
      case 'close':
        return this.work?.close(message);
      case 'revoke':
        return this.work?.revoke(message.sessionId);
      default:
        return this.answer(message);
    }
  }

  /** Serves a request forwarded here, publishing the response to the replica that sent it. */
  private serve({ id, from, request }: Extract<ClusterMessage, { type: 'request' }>): void {
    const res = new RemoteResponse(id, (message) => this.send(from, message));
    this.served.set(id, res);
    res.once('close', () => this.served.delete(id));
    if (this.work?.serve(request, res)) {
      this.send(from, { type: 'ack', id });
    } else {
      this.served.delete(id);
      this.send(from, { type: 'gone', id });
    }
  }

  /** Writes the owner's answer to the client of a request forwarded from here. */
  private answer(
    message: Exclude<ClusterMessage, { type: 'request' | 'abort' | 'close' | 'revoke' }>,
  ) {
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
        res.writeHead(message.status, message.headers);
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
