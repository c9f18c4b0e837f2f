import { connect } from 'node:net';
import { startTestApp, type TestApp } from '../support/app.js';
import { initializeBody } from '../support/http.js';
import {
  expectJsonRpcError,
  parseRawResponse,
  postHeaders,
  requestHead,
} from '../support/reliability.js';

/** Enough uploads that a race lost about one time in thirty shows. */
const UPLOADS = 50;
const PIECE = 64 * 1024;

/** A 5 MiB body, over the default 4 MiB limit. */
const body = Buffer.from(
  JSON.stringify({ ...JSON.parse(initializeBody()), padding: 'a'.repeat(5 * 1024 * 1024) }),
);

/** The body in HTTP/1.1 chunked framing, piece by piece. */
function chunkedPieces(): Buffer[] {
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < body.length; offset += PIECE) {
    const piece = body.subarray(offset, offset + PIECE);
    pieces.push(
      Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]),
    );
  }
  pieces.push(Buffer.from('0\r\n\r\n'));
  return pieces;
}

/** The body piece by piece, as sent with a Content-Length. */
function declaredPieces(): Buffer[] {
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < body.length; offset += PIECE)
    pieces.push(body.subarray(offset, offset + PIECE));
  return pieces;
}

/**
 * A client that sends its whole request, each piece once the previous one is written, and only
 * then reads the answer, as simple HTTP clients do. Resolves with the answer, or with the error
 * code the socket failed with.
 */
function uploadThenRead(
  baseUrl: string,
  head: string,
  pieces: Buffer[],
): Promise<{ status: number; body: string } | { failed: string }> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    let received = '';
    let failure: string | undefined;
    socket.on('data', (data: Buffer) => (received += data.toString('latin1')));
    socket.on('error', (error: NodeJS.ErrnoException) => (failure ??= error.code ?? error.message));
    socket.on('close', () => {
      const parsed = parseRawResponse(received, true);
      resolve(failure || !parsed ? { failed: failure ?? 'no answer' } : parsed);
    });
    const write = (piece: Buffer) =>
      new Promise<void>((done, fail) =>
        socket.write(piece, (error) => (error ? fail(error) : done())),
      );
    void (async () => {
      try {
        await write(Buffer.from(head, 'latin1'));
        for (const piece of pieces) await write(piece);
      } catch {
        // Recorded by the socket's error listener.
      }
    })();
  });
}

/**
 * An over-limit body reaches its client as a 413 with a JSON-RPC body, however the client sends
 * it: the endpoint reads and discards the rest of the body (within a bound) before it answers, so
 * the connection is never closed while the client is still writing, which the client would see as
 * EPIPE or ECONNRESET instead of the answer.
 */
describe('oversized request bodies', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it.each<[string, [string, string], () => Buffer[]]>([
    ['streamed without a length', ['Transfer-Encoding', 'chunked'], chunkedPieces],
    ['declared with Content-Length', ['Content-Length', String(body.length)], declaredPieces],
  ])(
    `answers each of ${UPLOADS} 5 MiB uploads %s with the 413`,
    async (_name, framing, piecesOf) => {
      const head = requestHead(t.url, 'POST', postHeaders(undefined, [framing]));
      const failures: string[] = [];
      for (let i = 0; i < UPLOADS; i++) {
        const answer = await uploadThenRead(t.url, head, piecesOf());
        if ('failed' in answer) failures.push(`upload ${i}: ${answer.failed}`);
        else expectJsonRpcError(answer, 413, -32000);
      }
      expect(failures).toEqual([]);
      expect(t.manager.count()).toBe(0);
    },
  );
});
