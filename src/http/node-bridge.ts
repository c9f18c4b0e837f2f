import { getRequestListener } from '@hono/node-server';
import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Serves a Node request with a web-standard transport, through the same Node/Web bridge the
 * SDK's own Node transport uses. `body` is the already parsed JSON-RPC body of a POST.
 */
export async function serveNodeRequest(
  transport: WebStandardStreamableHTTPServerTransport,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
): Promise<void> {
  const authInfo = (req as IncomingMessage & { auth?: AuthInfo }).auth;
  const listener = getRequestListener(
    (request) => transport.handleRequest(request, { parsedBody: body, authInfo }),
    { overrideGlobalObjects: false },
  );
  await listener(req, res);
}
