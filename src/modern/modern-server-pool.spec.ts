import { McpServer } from '@modelcontextprotocol/server';
import { ModernServerPool } from './modern-server-pool.js';

function server(): McpServer {
  return new McpServer({ name: 'pooled', version: '1.0.0' });
}

describe('ModernServerPool', () => {
  it('gives back an idle server only to the principal it was built for', () => {
    const pool = new ModernServerPool();
    const ada = server();
    pool.release('ada', ada);
    expect(pool.take('grace')).toBeUndefined();
    expect(pool.take(undefined)).toBeUndefined();
    expect(pool.take('ada')).toBe(ada);
    expect(pool.take('ada')).toBeUndefined();
    expect(pool.size).toBe(0);
  });

  it('keeps no more servers than its capacity, over every principal', () => {
    const pool = new ModernServerPool(2);
    pool.release('ada', server());
    pool.release(undefined, server());
    const third = server();
    pool.release('ada', third);
    expect(pool.size).toBe(2);
    expect(pool.take('ada')).not.toBe(third);
    expect(pool.take('ada')).toBeUndefined();
  });

  it('does not keep a server that is still connected', async () => {
    const pool = new ModernServerPool();
    const busy = server();
    await busy.connect({
      start: async () => undefined,
      send: async () => undefined,
      close: async () => undefined,
    });
    pool.release('ada', busy);
    expect(pool.size).toBe(0);
  });

  it('drops every idle server when cleared', () => {
    const pool = new ModernServerPool();
    pool.release('ada', server());
    pool.release('grace', server());
    pool.clear();
    expect(pool.size).toBe(0);
    expect(pool.take('ada')).toBeUndefined();
  });
});
