import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { Redis } from 'ioredis';
import { startTestApp, type TestApp } from './support/app.js';
import { connectClient, textOf } from './support/client.js';
import { startRedis, type TestRedis } from './support/redis.js';

describe("the module with eventStore: 'redis'", () => {
  let redis: TestRedis;
  let inspector: Redis;
  let t: TestApp;

  beforeAll(async () => {
    redis = await startRedis();
    inspector = new Redis(redis.url);
    t = await startTestApp({
      options: { eventStore: 'redis', redis: { url: redis.url, keyPrefix: redis.keyPrefix } },
    });
  });
  afterAll(async () => {
    await t?.close();
    await inspector?.quit();
    await redis?.stop();
  });

  const keys = () => inspector.keys(`${redis.keyPrefix}*`);

  it('resumes a dropped stream from Redis, and purges the session at DELETE', async () => {
    const { client, transport } = await connectClient(t.url, { name: 'redis-client' });
    const logs: unknown[] = [];
    client.setNotificationHandler(
      LoggingMessageNotificationSchema,
      (n) => void logs.push(n.params.data),
    );
    const result = await client.callTool({
      name: 'drop-stream',
      arguments: { text: 'from redis' },
    });
    expect(textOf(result)).toBe('after drop: from redis');
    expect(logs).toContain('before drop');
    const sessionKeys = await keys();
    expect(sessionKeys.some((key) => key.includes(transport.sessionId!))).toBe(true);

    await transport.terminateSession();
    await client.close();
    expect(await keys()).toEqual([]);
  });

  it('fails at startup, with a clear error, when Redis is unreachable', async () => {
    await expect(
      startTestApp({ options: { eventStore: 'redis', redis: { url: 'redis://127.0.0.1:1' } } }),
    ).rejects.toThrow(/could not reach Redis at redis:\/\/127\.0\.0\.1:1/);
  });
});
