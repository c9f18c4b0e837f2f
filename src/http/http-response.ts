/**
 * What the endpoint needs of a response: a Node `ServerResponse`, or, in a cluster, the reply to a
 * request another replica forwarded here.
 */
export interface HttpResponse {
  readonly headersSent: boolean;
  readonly writableEnded: boolean;
  statusCode: number;
  writeHead(status: number, headers?: Record<string, string | number>): unknown;
  end(body?: string): unknown;
  once(event: 'close', listener: () => void): unknown;
}
