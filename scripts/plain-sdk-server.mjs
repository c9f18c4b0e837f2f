// The SDK's plain pattern, for comparison in the conformance report: Express + the SDK's
// StreamableHTTPServerTransport + a Map of sessions, serving the sample's MCP server.
// Usage: node scripts/plain-sdk-server.mjs <stateless|json>   (prints "listening <url>")
import { randomUUID } from 'node:crypto';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { GreetingService } from '../build/sample/greeting.service.js';
import { buildEverythingServerV1 } from '../build/sample/mcp/everything-server.v1.js';

const mode = process.argv[2];
const newServer = () => buildEverythingServerV1({ greetings: new GreetingService() });
const app = createMcpExpressApp();
const transports = new Map();

app.all('/mcp', async (req, res) => {
  if (mode === 'stateless') {
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    const server = newServer();
    res.on('close', () => void server.close());
    await server.connect(transport);
    return transport.handleRequest(req, res, req.body);
  }
  const sessionId = req.headers['mcp-session-id'];
  let transport = sessionId ? transports.get(sessionId) : undefined;
  if (!transport && !sessionId && req.method === 'POST' && isInitializeRequest(req.body)) {
    transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      enableJsonResponse: true,
      onsessioninitialized: (id) => transports.set(id, transport),
    });
    transport.onclose = () => transports.delete(transport.sessionId);
    await newServer().connect(transport);
  }
  if (!transport) {
    res
      .status(sessionId ? 404 : 400)
      .json({ jsonrpc: '2.0', error: { code: -32000, message: 'No session' }, id: null });
    return;
  }
  return transport.handleRequest(req, res, req.body);
});

const listener = app.listen(0, '127.0.0.1', () => {
  console.log(`listening http://localhost:${listener.address().port}/mcp`);
});
process.on('SIGTERM', () => {
  listener.closeAllConnections();
  listener.close(() => process.exit(0));
});
