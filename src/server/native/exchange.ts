import type { ServerResponse } from 'node:http';

/** The headers of a response, by name. */
export type ResponseHeaders = Record<string, string>;

/**
 * An SSE response being written. Events written before {@link open} are held, and leave with the
 * response's head in one write; so a stream that fails before it opens can still be answered
 * with an error instead.
 */
export interface EventStream {
  /** Writes raw SSE text; false when the stream is closed already. */
  write(chunk: string): boolean;
  /** Sends the head (status 200 and `headers`) and the events held so far. */
  open(headers: ResponseHeaders): void;
  /** Ends the response; before {@link open}, it ends as soon as it opens. */
  end(): void;
  /** Called once when the client goes away before the stream ended. */
  onCancel: (() => void) | undefined;
}

/** One request's answer, on whichever kind of response it is written. */
export interface Exchange {
  /** Answers with a complete response. */
  reply(status: number, headers: ResponseHeaders, body?: string): void;
  /** Starts an SSE response. */
  eventStream(): EventStream;
}

/** Writes the answer straight to Node's response. */
export class NodeExchange implements Exchange {
  constructor(private readonly res: ServerResponse) {}

  reply(status: number, headers: ResponseHeaders, body?: string): void {
    const { res } = this;
    if (res.headersSent || res.writableEnded) return;
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    res.writeHead(status, headers);
    res.end(body);
  }

  eventStream(): EventStream {
    return new NodeEventStream(this.res);
  }
}

class NodeEventStream implements EventStream {
  onCancel: (() => void) | undefined;
  private held: string | undefined = '';
  private ended = false;
  private endOnOpen = false;

  constructor(private readonly res: ServerResponse) {
    res.once('close', () => {
      if (this.ended) return;
      this.ended = true;
      this.onCancel?.();
    });
  }

  write(chunk: string): boolean {
    if (this.ended || this.res.destroyed) return false;
    if (this.held !== undefined) this.held += chunk;
    else this.res.write(chunk);
    return true;
  }

  open(headers: ResponseHeaders): void {
    const { res } = this;
    if (this.held === undefined || res.headersSent || res.destroyed) return;
    const held = this.held;
    this.held = undefined;
    // Chunked from the start, as the bridge marks an SSE response (on HTTP/1.0 Node closes the
    // connection at the end instead).
    if (res.req.httpVersion === '1.1') headers['transfer-encoding'] = 'chunked';
    res.writeHead(200, headers);
    // The head and the held events leave in one write (Node sends a head with the first chunk).
    if (this.endOnOpen) res.end(held);
    else if (held !== '') res.write(held);
    else res.flushHeaders();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.held !== undefined) this.endOnOpen = true;
    else this.res.end();
  }
}

/** Builds a web-standard `Response` from the answer: the face for forwarded and replayed requests. */
export class WebExchange implements Exchange {
  /** Settles with the response, once its head is known. */
  readonly response: Promise<Response>;
  private settle!: (response: Response) => void;

  constructor() {
    this.response = new Promise((resolve) => (this.settle = resolve));
  }

  reply(status: number, headers: ResponseHeaders, body?: string): void {
    this.settle(new Response(body ?? null, { status, headers }));
  }

  eventStream(): EventStream {
    return new WebEventStream((stream, headers) =>
      this.settle(new Response(stream, { status: 200, headers })),
    );
  }
}

class WebEventStream implements EventStream {
  onCancel: (() => void) | undefined;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private readonly stream: ReadableStream<Uint8Array>;
  private readonly encoder = new TextEncoder();
  private ended = false;
  private opened = false;

  constructor(
    private readonly respond: (
      stream: ReadableStream<Uint8Array>,
      headers: ResponseHeaders,
    ) => void,
  ) {
    this.stream = new ReadableStream({
      start: (controller) => {
        this.controller = controller;
      },
      cancel: () => {
        if (this.ended) return;
        this.ended = true;
        this.onCancel?.();
      },
    });
  }

  write(chunk: string): boolean {
    if (this.ended) return false;
    this.controller.enqueue(this.encoder.encode(chunk));
    return true;
  }

  open(headers: ResponseHeaders): void {
    if (this.opened) return;
    this.opened = true;
    this.respond(this.stream, headers);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.controller.close();
  }
}
