/**
 * (c) The ceiling: a raw node:http server that does the least an MCP endpoint must do. It reads
 * and parses the JSON-RPC body, keeps sessions in a Map (created by initialize, looked up by
 * Mcp-Session-Id, removed by DELETE), and answers with the same bytes of result as the SDK
 * (in SSE mode, framed as the SDK frames it, priming event included). No validation, no MCP
 * server object, no transport.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { benchMode } from './bench-mode.js';
import { announceReady } from './ipc.js';

const mode = benchMode();
const sse = mode !== 'json';
const sessions = new Map<string, { createdAt: number }>();
let eventSeq = 0;

interface JsonRpcMessage {
  id?: string | number;
  method?: string;
  params?: { arguments?: { text?: unknown }; protocolVersion?: string };
}

function reply(res: ServerResponse, payload: string, headers: Record<string, string> = {}): void {
  if (sse) {
    // Sessions in SSE mode are resumable (an event store): a priming event, then ids.
    const body =
      mode === 'sse'
        ? `id: ${++eventSeq}\ndata: \n\nevent: message\nid: ${++eventSeq}\ndata: ${payload}\n\n`
        : `event: message\ndata: ${payload}\n\n`;
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      ...headers,
    });
    res.end(body);
  } else {
    res.writeHead(200, { 'content-type': 'application/json', ...headers });
    res.end(payload);
  }
}

function error(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
  const sessionId = req.headers['mcp-session-id'];
  if (req.method === 'DELETE') {
    if (typeof sessionId !== 'string' || !sessions.delete(sessionId)) {
      return error(res, 404, 'Session not found');
    }
    res.writeHead(200).end();
    return;
  }
  if (req.method !== 'POST') return error(res, 405, 'Method not allowed.');
  let message: JsonRpcMessage;
  try {
    message = JSON.parse(raw) as JsonRpcMessage;
  } catch {
    return error(res, 400, 'Parse error');
  }
  if (message.method === 'initialize' && mode !== 'stateless') {
    const id = randomUUID();
    sessions.set(id, { createdAt: Date.now() });
    const result = JSON.stringify({
      result: {
        protocolVersion: message.params?.protocolVersion,
        capabilities: { tools: { listChanged: true } },
        serverInfo: { name: 'bench', version: '1.0.0' },
      },
      jsonrpc: '2.0',
      id: message.id,
    });
    return reply(res, result, { 'mcp-session-id': id });
  }
  if (mode !== 'stateless' && (typeof sessionId !== 'string' || !sessions.has(sessionId))) {
    return error(res, 404, 'Session not found');
  }
  if (message.id === undefined) {
    res.writeHead(202).end();
    return;
  }
  if (message.method === 'tools/call') {
    const text = String(message.params?.arguments?.text ?? '');
    const result = JSON.stringify({
      result: { content: [{ type: 'text', text }] },
      jsonrpc: '2.0',
      id: message.id,
    });
    return reply(res, result, typeof sessionId === 'string' ? { 'mcp-session-id': sessionId } : {});
  }
  return error(res, 400, `Unsupported method ${message.method}`);
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  announceReady(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
});
