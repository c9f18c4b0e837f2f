import type { SessionDirectory } from '../directory/session-directory.interface.js';
import type { HttpResponse } from '../http/http-response.js';
import type { HttpJsonRpcError } from '../http/json-rpc-error.js';
import { OpenResponses } from '../http/open-responses.js';
import type { TrackedResponse } from './tracked-response.js';

/**
 * Counts the responses open on the endpoint, for shutdown to wait for, and the activity each
 * brings to its session, for idleness: a session is busy from the start of a request until its
 * response closes, and the directory renews it meanwhile.
 */
export class ResponseTracker {
  private readonly open = new OpenResponses();
  /** Responses relayed from the replica that holds their session, with their request ids. */
  private readonly relayed = new Map<HttpResponse, ReadonlyArray<string | number>>();

  constructor(private readonly directory: SessionDirectory) {}

  /** Responses open now. */
  get size(): number {
    return this.open.size;
  }

  /** Counts `res` as open until it closes, and as what `tracked` says it is. */
  track(res: HttpResponse, tracked: TrackedResponse): void {
    this.open.add(res);
    if (tracked.kind === 'sessionless') return;
    const { session, kind } = tracked;
    const requestIds = kind === 'request' ? tracked.requestIds : [];
    this.directory.activityStarted(session);
    session.begin(res, kind, Date.now());
    res.once('close', () => {
      session.end(res, kind, Date.now(), requestIds);
      this.directory.activityEnded(session);
    });
  }

  /** Counts `res` as relayed from another replica, answering `requestIds`, until it closes. */
  trackRelayed(res: HttpResponse, requestIds: ReadonlyArray<string | number>): void {
    this.relayed.set(res, requestIds);
    res.once('close', () => this.relayed.delete(res));
  }

  /** `res` turned out to be answered here after all. */
  untrackRelayed(res: HttpResponse): void {
    this.relayed.delete(res);
  }

  /** The responses relayed from other replicas, with the ids of the requests they answer. */
  relayedResponses(): Array<[HttpResponse, ReadonlyArray<string | number>]> {
    return [...this.relayed];
  }

  /** Resolves true once no response is open, or false when `timeoutMs` passes first. */
  drained(timeoutMs: number): Promise<boolean> {
    return this.open.drained(timeoutMs);
  }

  /** Ends every response still open, with `error` if nothing was sent yet. */
  endAll(error: HttpJsonRpcError): void {
    this.open.endAll(error);
  }
}
