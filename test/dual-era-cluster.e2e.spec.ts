import { Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { startTestApp, type TestApp } from './support/app.js';
import { openStream, rawRequest } from './support/http.js';
import { MODERN_VERSION, modernRequest } from './support/modern.js';
import { clusterOptions, startRedis, type TestRedis } from './support/redis.js';
import { v2TestServerFactory } from './support/test-server-v2.js';
import { MCP_SERVER_FACTORY, McpNotifier, McpSessionModule } from '../src/index.js';

const REQUEST_STATE_KEY = 'a shared secret of more than thirty-two bytes';

/** The text of a tool result's first content item. */
function textOf(result: unknown): string {
  return (result as { content: Array<{ text: string }> }).content[0].text;
}

describe('2026-07-28 features across replicas that share their sessions on Redis', () => {
  let redis: TestRedis;
  let replicas: TestApp[];
  beforeAll(async () => {
    redis = await startRedis();
    const options = { ...clusterOptions(redis), requestStateKey: REQUEST_STATE_KEY };
    replicas = [];
    for (let i = 0; i < 2; i++) {
      replicas.push(await startTestApp({ factory: v2TestServerFactory, options }));
    }
  });
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    await redis.stop();
  });

  it('delivers a change published on one replica to the listen streams of every replica', async () => {
    const listen = modernRequest('subscriptions/listen', {
      notifications: { toolsListChanged: true },
    });
    const streams = await Promise.all(
      replicas.map((replica) => openStream(replica.url, { method: 'POST', ...listen })),
    );
    try {
      for (const stream of streams) {
        await stream.waitFor((text) => text.includes('notifications/subscriptions/acknowledged'));
      }
      replicas[0].app.get(McpNotifier).toolsChanged();
      for (const stream of streams) {
        await stream.waitFor((text) => text.includes('notifications/tools/list_changed'));
      }
    } finally {
      for (const stream of streams) stream.close();
    }
  });

  it('accepts on one replica the input_required request state another minted', async () => {
    let turn = 0;
    const alternating: typeof fetch = (input, init) => {
      const replica = replicas[turn++ % replicas.length];
      const url = new URL(String(input instanceof Request ? input.url : input));
      return fetch(new URL(url.pathname, replica.url), init);
    };
    const client = new Client(
      { name: 'round-robin', version: '1.0.0' },
      {
        versionNegotiation: { mode: { pin: MODERN_VERSION } },
        capabilities: { elicitation: {} },
      },
    );
    client.setRequestHandler('elicitation/create', async () => ({
      action: 'accept',
      content: { ok: true },
    }));
    await client.connect(
      new StreamableHTTPClientTransport(new URL('/mcp', replicas[0].url), { fetch: alternating }),
    );
    try {
      const callsBefore = turn;
      const result = await client.callTool({ name: 'confirm', arguments: {} });
      expect(textOf(result)).toBe('confirmed go: true');
      // The first round and its retry went to different replicas.
      expect(turn - callsBefore).toBe(2);
    } finally {
      await client.close();
    }
  });

  it('refuses state sealed with another key', async () => {
    const first = await rawRequest(
      replicas[0].url,
      modernRequest('tools/call', { name: 'confirm', arguments: {} }, 1, { elicitation: {} }),
    );
    const { requestState } = first.json().result;
    expect(requestState).toEqual(expect.any(String));
    const tampered = `${requestState.slice(0, -2)}${requestState.endsWith('A') ? 'BB' : 'AA'}`;
    const retry = await rawRequest(
      replicas[1].url,
      modernRequest(
        'tools/call',
        {
          name: 'confirm',
          arguments: {},
          inputResponses: { ok: { action: 'accept', content: { ok: true } } },
          requestState: tampered,
        },
        2,
        { elicitation: {} },
      ),
    );
    expect(retry.json().error).toMatchObject({ code: -32602 });
  });
});

describe("sessionStore: 'redis' without requestStateKey", () => {
  it('fails the bootstrap, saying that replicas must share the key', async () => {
    const redis = await startRedis();
    try {
      @Module({
        imports: [
          ScheduleModule.forRoot(),
          McpSessionModule.forRoot({
            sessionStore: 'redis',
            redis: { url: redis.url, keyPrefix: redis.keyPrefix },
          }),
        ],
        providers: [{ provide: MCP_SERVER_FACTORY, useValue: v2TestServerFactory }],
      })
      class NoSharedKey {}
      const app = await NestFactory.create(NoSharedKey, { logger: false, abortOnError: false });
      try {
        await expect(app.init()).rejects.toThrow(
          /requestStateKey" must be set with sessionStore: 'redis'/,
        );
      } finally {
        await app.close();
      }
    } finally {
      await redis.stop();
    }
  });
});
