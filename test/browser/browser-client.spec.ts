import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { mcpCorsOptions } from '../../src/index.js';
import { SESSION_TRANSPORTS, startTestApp, type TestApp } from '../support/app.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Serves an empty page, so that scripts run with this server's origin. */
async function servePage(): Promise<{ server: Server; origin: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>MCP browser client</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://localhost:${(server.address() as AddressInfo).port}` };
}

/** What the page reports back: one entry per step. */
interface StepReport {
  step: string;
  ok: boolean;
  detail: unknown;
}

/**
 * The MCP client flow, run inside the page with `fetch`: initialize, read the session id,
 * initialized, echo, a streamed sleep with progress read through `response.body`, DELETE.
 */
async function browserFlow(mcpUrl: string): Promise<StepReport[]> {
  const report: StepReport[] = [];
  const base = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
  const messagesOf = (text: string) =>
    text
      .split('\n')
      .filter((line) => line.startsWith('data: ') && line.length > 7)
      .map((line) => JSON.parse(line.slice(6)));

  const init = await fetch(mcpUrl, {
    method: 'POST',
    headers: base,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'browser', version: '1' },
      },
    }),
  });
  const sessionId = init.headers.get('mcp-session-id');
  const initMessages = messagesOf(await init.text());
  report.push({
    step: 'initialize',
    ok: init.status === 200 && !!sessionId && !!initMessages[0]?.result,
    detail: { status: init.status, sessionId },
  });
  if (!sessionId) return report;
  const headers = { ...base, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };

  const initialized = await fetch(mcpUrl, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  report.push({ step: 'initialized', ok: initialized.status === 202, detail: initialized.status });

  const echo = await fetch(mcpUrl, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: 'from the browser' } },
    }),
  });
  const echoText = messagesOf(await echo.text())[0]?.result?.content?.[0]?.text;
  report.push({ step: 'echo', ok: echoText === 'from the browser', detail: echoText });

  const sleep = await fetch(mcpUrl, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { name: 'sleep', arguments: { ms: 600 }, _meta: { progressToken: 'p1' } },
    }),
  });
  const reader = sleep.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  let chunks = 0;
  let progressBeforeResult = 0;
  let result: string | undefined;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks++;
    buffered += decoder.decode(value, { stream: true });
    const events = buffered.split('\n\n');
    buffered = events.pop() ?? '';
    for (const message of messagesOf(events.join('\n'))) {
      if (message.method === 'notifications/progress' && result === undefined)
        progressBeforeResult++;
      if (message.id === 3) result = message.result?.content?.[0]?.text;
    }
  }
  report.push({
    step: 'streamed sleep',
    ok: result === 'slept 600 ms' && progressBeforeResult >= 1 && chunks >= 2,
    detail: { result, progressBeforeResult, chunks },
  });

  const deleted = await fetch(mcpUrl, { method: 'DELETE', headers });
  const after = await fetch(mcpUrl, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'ping' }),
  });
  report.push({
    step: 'delete',
    ok: deleted.status === 200 && after.status === 404,
    detail: [deleted.status, after.status],
  });
  return report;
}

/** An initialize from the page: its status, and whether a session id was readable. */
async function browserInitialize(
  mcpUrl: string,
): Promise<{ status: number; sessionId: string | null; body: unknown }> {
  const response = await fetch(mcpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'browser', version: '1' },
      },
    }),
  });
  return {
    status: response.status,
    sessionId: response.headers.get('mcp-session-id'),
    body: await response.json(),
  };
}

describe.each(SESSION_TRANSPORTS)(
  'a real browser (headless Chromium) as MCP client, %s transport',
  (transport) => {
    let browser: Browser;
    let allowed: { server: Server; origin: string };
    let foreign: { server: Server; origin: string };
    let t: TestApp;

    beforeAll(async () => {
      if (!existsSync(CHROMIUM)) {
        throw new Error(
          `Chromium not found at ${CHROMIUM}: install it with "apt-get install chromium" (or set CHROMIUM_PATH)`,
        );
      }
      allowed = await servePage();
      foreign = await servePage();
      t = await startTestApp({
        options: { security: { allowedOrigins: [allowed.origin] }, transport },
        // CORS lets every page read the answers; the module's own origin check decides who gets in.
        configure: (app) => app.enableCors(mcpCorsOptions(true)),
      });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--no-first-run',
        ],
      });
    });

    afterAll(async () => {
      await browser?.close();
      await t?.close();
      allowed?.server.close();
      foreign?.server.close();
    });

    it('runs a whole session from an allowed origin with fetch', async () => {
      const page = await browser.newPage();
      await page.goto(allowed.origin);
      const mcpUrl = `${t.url.replace('127.0.0.1', 'localhost')}/mcp`;
      const report = await page.evaluate(browserFlow, mcpUrl);
      await page.close();
      expect(report.map((r) => r.step)).toEqual([
        'initialize',
        'initialized',
        'echo',
        'streamed sleep',
        'delete',
      ]);
      for (const step of report) expect(step).toMatchObject({ ok: true });
      expect(t.manager.count()).toBe(0);
    });

    it('answers the CORS preflight with the MCP headers allowed and the session id exposed', async () => {
      const response = await fetch(`${t.url}/mcp`, {
        method: 'OPTIONS',
        headers: {
          origin: allowed.origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers':
            'content-type,mcp-session-id,mcp-protocol-version,last-event-id',
        },
      });
      expect(response.status).toBe(204);
      const allowedHeaders = response.headers.get('access-control-allow-headers')!.toLowerCase();
      for (const header of [
        'mcp-session-id',
        'mcp-protocol-version',
        'last-event-id',
        'content-type',
      ]) {
        expect(allowedHeaders).toContain(header);
      }
      const post = await fetch(`${t.url}/mcp`, {
        method: 'DELETE',
        headers: { origin: allowed.origin },
      });
      expect(post.headers.get('access-control-expose-headers')).toBe('Mcp-Session-Id');
    });

    it('refuses a page from an origin that is not allowed: 403, and no session id', async () => {
      const page = await browser.newPage();
      await page.goto(foreign.origin);
      const mcpUrl = `${t.url.replace('127.0.0.1', 'localhost')}/mcp`;
      const result = await page.evaluate(browserInitialize, mcpUrl);
      await page.close();
      expect(result.status).toBe(403);
      expect(result.sessionId).toBeNull();
      expect(result.body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32000 } });
      expect(t.manager.count()).toBe(0);
    });
  },
);
