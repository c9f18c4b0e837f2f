import type { SessionDirectory } from '../directory/session-directory.interface.js';
import type { HttpResponse } from '../http/http-response.js';
import type { HttpJsonRpcError } from '../http/json-rpc-error.js';
import { OpenResponses } from '../http/open-responses.js';
import type { TrackedResponse } from '../session/tracked-response.js';

/**
 * Counts the responses open on the endpoint, for shutdown to wait for, and the activity each
 * brings to its session, for idleness: a session is busy from the start of a request until its
 * response closes, and the directory renews it meanwhile.
 */
export class ResponseTracker {
  private readonly open = new OpenResponses();

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

  /** Resolves true once no response is open, or false when `timeoutMs` passes first. */
  drained(timeoutMs: number): Promise<boolean> {
    return this.open.drained(timeoutMs);
  }

  /** Ends every response still open, with `error` if nothing was sent yet. */
  endAll(error: HttpJsonRpcError): void {
    this.open.endAll(error);
  }
}
