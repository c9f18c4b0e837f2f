import type { HttpResponse } from './http-response.js';
import { writeJsonRpcError, type HttpJsonRpcError } from './json-rpc-error.js';

/** The responses still open on the endpoint, so that shutdown can wait for them to drain. */
export class OpenResponses {
  private readonly responses = new Set<HttpResponse>();
  private drainWaiters: Array<() => void> = [];

  get size(): number {
    return this.responses.size;
  }

  /** Counts `res` as open until it closes (once, however often it is added). */
  add(res: HttpResponse): void {
    if (this.responses.has(res)) return;
    this.responses.add(res);
    res.once('close', () => {
      this.responses.delete(res);
      if (this.responses.size === 0) {
        for (const wake of this.drainWaiters.splice(0)) wake();
      }
    });
  }

  /** Resolves true once no response is open, or false when `timeoutMs` passes first. */
  drained(timeoutMs: number): Promise<boolean> {
    if (this.responses.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onDrained = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.drainWaiters = this.drainWaiters.filter((wake) => wake !== onDrained);
        resolve(false);
      }, timeoutMs);
      this.drainWaiters.push(onDrained);
    });
  }

  /** Ends every response still open (see {@link endResponse}). */
  endAll(error: HttpJsonRpcError): void {
    for (const res of this.responses) endResponse(res, error);
  }
}

/** Ends a response that is still open: with an error if nothing was sent yet, else as it is. */
export function endResponse(res: HttpResponse, error: HttpJsonRpcError): void {
  if (res.writableEnded) return;
  if (res.headersSent) res.end();
  else writeJsonRpcError(res, error);
}
