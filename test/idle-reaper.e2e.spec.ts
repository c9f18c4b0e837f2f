import { jest } from '@jest/globals';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { filter, firstValueFrom } from 'rxjs';
import { MCP_SERVER_FACTORY, McpSessionModule, type SessionClosedEvent } from '../src/index.js';
import { fakeClock, waitFor } from './support/wait.js';
import { startTestApp, type TestApp } from './support/app.js';
import { sessionHeaders, openRawSession, openStream, rawRequest } from './support/http.js';
import { testServerFactory } from './support/test-server.js';

const IDLE_SECONDS = 60;
const REAP_SECONDS = 5;

function callSleep(ms: number) {
  return JSON.stringify({
    jsonrpc: '2.0',
    id: 7,
    method: 'tools/call',
    params: { name: 'sleep', arguments: { ms } },
  });
}

function closedEvent(t: TestApp, sessionId: string): Promise<SessionClosedEvent> {
  return firstValueFrom(
    t.manager.events$.pipe(
      filter((e): e is SessionClosedEvent => e.type === 'closed' && e.sessionId === sessionId),
    ),
  );
}

describe('idle expiry with fake timers (Date and setInterval faked, I/O real)', () => {
  let t: TestApp;

  beforeEach(async () => {
    fakeClock();
    t = await startTestApp({
      options: { sessionIdleTimeout: IDLE_SECONDS, reapInterval: REAP_SECONDS },
    });
  });

  afterEach(async () => {
    await t.close();
    jest.useRealTimers();
  });

  it('the reaper closes a session once it has been idle for the timeout', async () => {
    const id = await openRawSession(t.url);
    const closed = closedEvent(t, id);
    await jest.advanceTimersByTimeAsync((IDLE_SECONDS - REAP_SECONDS) * 1000);
    expect(t.manager.get(id)).toBeDefined();
    await jest.advanceTimersByTimeAsync(2 * REAP_SECONDS * 1000);
    expect((await closed).reason).toBe('idle');
    expect(t.manager.count()).toBe(0);
    const after = await rawRequest(t.url, { method: 'GET', headers: sessionHeaders(id) });
    expect(after.status).toBe(404);
  });

  it('idleness starts when the last in-flight request finishes', async () => {
    const id = await openRawSession(t.url);
    const call = rawRequest(t.url, { headers: sessionHeaders(id), body: callSleep(300) });
    await waitFor(() => t.manager.get(id)?.inFlightRequests === 1);
    // Far past the timeout while the call is in flight: the session must survive.
    await jest.advanceTimersByTimeAsync((IDLE_SECONDS + 3 * REAP_SECONDS) * 1000);
    expect(t.manager.get(id)).toBeDefined();
    expect((await call).status).toBe(200);
    await waitFor(() => t.manager.get(id)?.inFlightRequests === 0);
    await jest.advanceTimersByTimeAsync((IDLE_SECONDS - REAP_SECONDS) * 1000);
    expect(t.manager.get(id)).toBeDefined();
    await jest.advanceTimersByTimeAsync(2 * REAP_SECONDS * 1000);
    expect(t.manager.get(id)).toBeUndefined();
  });

  it('an open GET stream keeps the session alive', async () => {
    const id = await openRawSession(t.url);
    const stream = await openStream(t.url, { headers: sessionHeaders(id) });
    await waitFor(() => t.manager.get(id)?.openStreams === 1);
    await jest.advanceTimersByTimeAsync(3 * IDLE_SECONDS * 1000);
    expect(t.manager.get(id)).toBeDefined();
    stream.close();
    await waitFor(() => t.manager.get(id)?.openStreams === 0);
    await jest.advanceTimersByTimeAsync((IDLE_SECONDS + 2 * REAP_SECONDS) * 1000);
    expect(t.manager.get(id)).toBeUndefined();
  });

  it('activity resets the idle clock', async () => {
    const id = await openRawSession(t.url);
    for (let i = 0; i < 3; i++) {
      await jest.advanceTimersByTimeAsync((IDLE_SECONDS - 2 * REAP_SECONDS) * 1000);
      const res = await rawRequest(t.url, {
        headers: sessionHeaders(id),
        body: JSON.stringify({ jsonrpc: '2.0', id: i + 10, method: 'ping' }),
      });
      expect(res.status).toBe(200);
    }
    expect(t.manager.get(id)).toBeDefined();
  });
});

describe('expiry on access, before the sweep', () => {
  it('treats a request to an expired session as expired (404) and closes it', async () => {
    fakeClock({ intervals: false });
    // The reaper would only sweep in an hour; Date moves on without it.
    const t = await startTestApp({
      options: { sessionIdleTimeout: IDLE_SECONDS, reapInterval: 3600 },
    });
    try {
      const id = await openRawSession(t.url);
      const closed = closedEvent(t, id);
      jest.setSystemTime(Date.now() + (IDLE_SECONDS + 1) * 1000);
      const res = await rawRequest(t.url, { headers: sessionHeaders(id), body: callSleep(0) });
      expect(res.status).toBe(404);
      expect(res.json().error.code).toBe(-32001);
      expect((await closed).reason).toBe('idle');
    } finally {
      await t.close();
      jest.useRealTimers();
    }
  });
});

describe('maxSessionLifetime (absolute lifetime), with fake timers', () => {
  it('refuses requests past the lifetime however active the session is, and the reaper closes it', async () => {
    fakeClock();
    const t = await startTestApp({
      options: { sessionIdleTimeout: null, maxSessionLifetime: 30, reapInterval: REAP_SECONDS },
    });
    try {
      const active = await openRawSession(t.url);
      const quiet = await openRawSession(t.url);
      const quietClosed = closedEvent(t, quiet);
      const activeClosed = closedEvent(t, active);
      for (let elapsed = 0; elapsed < 25; elapsed += 5) {
        await jest.advanceTimersByTimeAsync(5000);
        const ping = await rawRequest(t.url, {
          headers: sessionHeaders(active),
          body: JSON.stringify({ jsonrpc: '2.0', id: elapsed, method: 'ping' }),
        });
        expect(ping.status).toBe(200);
      }
      jest.setSystemTime(Date.now() + 6000);
      const late = await rawRequest(t.url, {
        headers: sessionHeaders(active),
        body: JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'ping' }),
      });
      expect(late.status).toBe(404);
      expect((await activeClosed).reason).toBe('expired');
      await jest.advanceTimersByTimeAsync(REAP_SECONDS * 1000);
      expect((await quietClosed).reason).toBe('expired');
      expect(t.manager.count()).toBe(0);
    } finally {
      await t.close();
      jest.useRealTimers();
    }
  });
});

describe('idle expiry in real time', () => {
  it('reaps a session after a short timeout', async () => {
    const t = await startTestApp({ options: { sessionIdleTimeout: 0.3, reapInterval: 0.1 } });
    try {
      const id = await openRawSession(t.url);
      const closed = await closedEvent(t, id);
      expect(closed.reason).toBe('idle');
      expect(t.manager.count()).toBe(0);
    } finally {
      await t.close();
    }
  });
});

describe('the reaper needs @nestjs/schedule', () => {
  @Module({
    imports: [McpSessionModule.forRoot({})],
    providers: [{ provide: MCP_SERVER_FACTORY, useValue: testServerFactory }],
  })
  class WithoutSchedule {}

  @Module({
    imports: [McpSessionModule.forRoot({ sessionIdleTimeout: null })],
    providers: [{ provide: MCP_SERVER_FACTORY, useValue: testServerFactory }],
  })
  class WithoutExpiry {}

  it('fails at bootstrap with a message that says what to import', async () => {
    const app = await NestFactory.create(WithoutSchedule, { logger: false });
    await expect(app.init()).rejects.toThrow(/ScheduleModule\.forRoot\(\)/);
    await app.close();
  });

  it('is not needed when sessions never expire', async () => {
    const app = await NestFactory.create(WithoutExpiry, { logger: false });
    await app.init();
    await app.close();
  });
});
