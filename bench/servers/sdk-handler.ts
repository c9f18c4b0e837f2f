/**
 * The SDK v2's own modern handler: `createMcpHandler` from `@modelcontextprotocol/server`
 * (2026-07-28 requests served statelessly, a fresh server per request, 2025-era traffic rejected)
 * behind `toNodeHandler` from `@modelcontextprotocol/node` on a bare node:http server, serving
 * the same echo tool. It has no sessions, so it takes part only in the modern scenario.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { createEchoServerV2 } from './echo-server-v2.js';
import { announceReady } from './ipc.js';

const handler = toNodeHandler(createMcpHandler(() => createEchoServerV2(), { legacy: 'reject' }));
const server = createServer((req, res) => void handler(req, res));
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  announceReady(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
});
