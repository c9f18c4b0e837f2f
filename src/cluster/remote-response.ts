import { EventEmitter } from 'node:events';
import type { HttpResponse } from '../http/http-response.js';
import type { ClusterMessage } from './cluster-messages.js';

/**
 * The response to a request another replica forwarded here: what is written to it is published to
 * that replica, which writes it to its client. It emits `close` when it ends or when the client
 * goes away, as a Node `ServerResponse` does.
 */
export class RemoteResponse extends EventEmitter implements HttpResponse {
  headersSent = false;
  writableEnded = false;
  statusCode = 200;

  constructor(
    private readonly id: string,
    private readonly send: (message: ClusterMessage) => void,
  ) {
    super();
  }

  writeHead(status: number, headers: Record<string, string | number> = {}): this {
    this.statusCode = status;
    this.headersSent = true;
    const values = Object.entries(headers).map(([name, value]): [string, string] => [
      name,
      String(value),
    ]);
    this.send({ type: 'head', id: this.id, status, headers: endToEndHeaders(values) });
    return this;
  }

  write(chunk: string): void {
    if (!this.writableEnded) this.send({ type: 'data', id: this.id, chunk });
  }

  end(body?: string): this {
    if (this.writableEnded) return this;
    if (body) this.write(body);
    this.send({ type: 'end', id: this.id });
    this.finish();
    return this;
  }

  /** The client went away: nothing more is sent. */
  abort(): void {
    if (!this.writableEnded) this.finish();
  }

  private finish(): void {
    this.writableEnded = true;
    this.emit('close');
  }
}

/**
 * Headers that belong to one HTTP connection (RFC 9110, 7.6.1) and are not passed on, with
 * `content-length` (the relay may re-chunk the body) and `host` (checked where the request came in).
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'host',
]);

/** `headers` without those of one HTTP connection, nor those its `Connection` header names. */
export function endToEndHeaders(
  headers: Iterable<[string, string | string[] | undefined]>,
): Record<string, string> {
  const entries = [...headers];
  const named = new Set(HOP_BY_HOP);
  for (const [name, value] of entries) {
    if (name.toLowerCase() !== 'connection' || value === undefined) continue;
    for (const token of String(value).split(',')) named.add(token.trim().toLowerCase());
  }
  const kept: Record<string, string> = {};
  for (const [name, value] of entries) {
    if (value === undefined || named.has(name.toLowerCase())) continue;
    kept[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return kept;
}

/** Writes a web `Response` to a remote response, body chunk by chunk, until either side ends. */
export async function sendWebResponse(response: Response, res: RemoteResponse): Promise<void> {
  res.writeHead(response.status, endToEndHeaders(response.headers.entries()));
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  const cancel = () => void reader.cancel().catch(() => undefined);
  // The other replica's client may have gone while the session woke.
  if (res.writableEnded) return cancel();
  res.once('close', cancel);
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(decoder.decode(value, { stream: true }));
    }
  } catch {
    // The stream was cancelled or failed: the response ends with what was sent.
  }
  res.end();
}
