import type { MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js';
import type { InboundRequest } from './inbound-request.js';
import type { SessionProtocolRules } from './session-protocol-rules.js';

/** The SDK v1's `requestInfo`, its URL built only if a handler reads it. */
function lazyRequestInfo(request: InboundRequest): MessageExtraInfo['requestInfo'] {
  let url: URL | undefined;
  return {
    headers: request.headers,
    get url() {
      return (url ??= new URL(request.url));
    },
  };
}

/**
 * What the server's handlers are told of the HTTP request, as the line's transport tells it: the
 * web-standard request for the SDK v2, `requestInfo` for the SDK v1; the auth info for both.
 */
export function handlerExtra(
  request: InboundRequest,
  rules: SessionProtocolRules,
): MessageExtraInfo {
  if (rules.line === 'v2') {
    return { authInfo: request.authInfo, request: request.toWebRequest() } as never;
  }
  return {
    authInfo: request.authInfo as MessageExtraInfo['authInfo'],
    requestInfo: lazyRequestInfo(request),
  };
}
