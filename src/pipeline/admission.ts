import { checkDnsRebinding } from '../http/dns-rebinding.js';
import {
  methodNotAllowed,
  SESSION_ID_MALFORMED,
  SHUTTING_DOWN,
  type HttpJsonRpcError,
} from '../http/json-rpc-error.js';
import type { ResolvedMcpSessionOptions } from '../options/mcp-session-options.resolver.js';
import { SESSION_ID_PATTERN } from '../session/mcp-session.js';
import type { EndpointPhase } from './endpoint-phase.js';
import type { McpRequest } from './mcp-request.js';

/** The endpoint's phase: the session manager moves it on, admission reads it. */
export class EndpointState {
  phase: EndpointPhase = 'created';
}

/**
 * The rules that decide whether the endpoint takes a request at all, each in this one place:
 * the endpoint's phase (nothing before start or after stop; while draining, nothing that starts
 * new work), DNS-rebinding protection, the methods served, and the shape of the session id. The
 * body's limits and format are checked where it is read (`json-rpc-body.ts`, `request-body.ts`).
 */
export class Admission {
  constructor(
    private readonly options: Pick<ResolvedMcpSessionOptions, 'security' | 'stateless'>,
    private readonly state: EndpointState,
  ) {}

  /** Checks what the request line and headers show; the error to answer, if it is refused. */
  admit(request: McpRequest): HttpJsonRpcError | undefined {
    const { phase } = this.state;
    if (phase === 'created' || phase === 'stopped') return SHUTTING_DOWN;
    // A forwarded request was checked by the replica its client reached.
    if (request.origin === 'client') {
      const rejected = checkDnsRebinding(request.headers, this.options.security);
      if (rejected) return rejected;
    }
    const draining = phase === 'draining';
    if (this.options.stateless) {
      if (request.method !== 'POST') return methodNotAllowed('POST');
      return draining ? SHUTTING_DOWN : undefined;
    }
    if (!['POST', 'GET', 'DELETE'].includes(request.method)) {
      return methodNotAllowed('GET, POST, DELETE');
    }
    const { sessionId } = request;
    // No new session, and no new stream, once draining.
    if (sessionId === undefined || sessionId === '') return draining ? SHUTTING_DOWN : undefined;
    if (typeof sessionId !== 'string' || !SESSION_ID_PATTERN.test(sessionId)) {
      return SESSION_ID_MALFORMED;
    }
    return draining && request.method === 'GET' ? SHUTTING_DOWN : undefined;
  }

  /**
   * Checks a session's POST once its body is read: while draining, only answers and
   * notifications (which may finish calls in flight) pass, not new requests.
   */
  admitWork(requestIds: ReadonlyArray<string | number>): HttpJsonRpcError | undefined {
    return this.state.phase === 'draining' && requestIds.length > 0 ? SHUTTING_DOWN : undefined;
  }
}
