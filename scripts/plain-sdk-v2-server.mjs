// The SDK v2's plain dual-era pattern, serving the sample's SDK v2 everything server on bare
// node:http: 2026-07-28 requests through createMcpHandler (stateless, legacy: 'reject'), and
// 2025-era traffic routed with isLegacyRequest to a Map of sessionful
// WebStandardStreamableHTTPServerTransports. For conformance runs of the sample server on its
// own, without the module.
// Usage: node scripts/plain-sdk-v2-server.mjs [port]   (prints "listening <url>")
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { localhostHostValidation, toNodeHandler } from '@modelcontextprotocol/node';
import {
  WebStandardStreamableHTTPServerTransport,
  createMcpHandler,
  createRequestStateCodec,
  isInitializeRequest,
  isLegacyRequest,
} from '@modelcontextprotocol/server';
import { GreetingService } from '../build/sample/greeting.service.js';
import { buildEverythingServer } from '../build/sample/mcp/everything-server.js';

const greetings = new GreetingService();
const requestState = createRequestStateCodec({ key: randomBytes(32) });
const modern = createMcpHandler(
  ({ era }) =>
    buildEverythingServer({ greetings }, { era, state: {}, requestState, notify: modern.notify }),
  { legacy: 'reject' },
);

/** The 2025-era sessions, by id. */
const sessions = new Map();

function jsonRpcError(status, message) {
  return Response.json({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }, { status });
}

async function serveLegacy(request) {
  const sessionId = request.headers.get('mcp-session-id');
  if (sessionId) {
    const transport = sessions.get(sessionId);
    return transport ? transport.handleRequest(request) : jsonRpcError(404, 'Session not found');
  }
  const body =
    request.method === 'POST'
      ? await request
          .clone()
          .json()
          .catch(() => undefined)
      : undefined;
  if (!isInitializeRequest(body)) {
    return jsonRpcError(400, 'Bad Request: No valid session ID provided');
  }
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: randomUUID,
    onsessioninitialized: (id) => void sessions.set(id, transport),
    onsessionclosed: (id) => void sessions.delete(id),
  });
  transport.onclose = () => sessions.delete(transport.sessionId);
  const server = buildEverythingServer({ greetings }, { era: 'legacy', state: {}, requestState });
  await server.connect(transport);
  return transport.handleRequest(request);
}

const dualEra = toNodeHandler({
  fetch: async (request) =>
    (await isLegacyRequest(request)) ? serveLegacy(request) : modern.fetch(request),
});
const validateHost = localhostHostValidation();

const listener = createServer((req, res) => {
  if (!validateHost(req, res)) return;
  void dualEra(req, res);
});
listener.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`listening http://127.0.0.1:${listener.address().port}/mcp`);
});
process.on('SIGTERM', () => {
  void modern.close();
  listener.closeAllConnections();
  listener.close(() => process.exit(0));
});
