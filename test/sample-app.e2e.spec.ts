import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  MCP_POST_HEADERS,
  openRawSession,
  openStream,
  rawRequest,
  sseMessages,
} from './support/http.js';

const MAIN = 'build/sample/main.js';

interface RunningSample {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts the built sample (`npm run build:sample`) on a free port and waits for its ready line. */
async function startSample(env: Record<string, string> = {}): Promise<RunningSample> {
  if (!existsSync(MAIN))
    throw new Error(`${MAIN} is missing: run "npm run build:sample" first (npm test does)`);
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /MCP endpoint ready at (http:\/\/\S+)\/mcp/.exec(output);
      if (match) resolve(match[1]);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`sample exited with ${code}: ${output}`)));
  });
  return { child, url, output: () => output, exited };
}

describe('the sample application', () => {
  it('serves tools that use an injected Nest service, and drains then exits 0 on SIGTERM', async () => {
    const sample = await startSample({ MCP_SHUTDOWN_GRACE: '10' });
    const client = new Client({ name: 'sample-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL('/mcp', sample.url));
    await client.connect(transport);
    const greeting = await client.callTool({ name: 'greet', arguments: { name: 'Nest' } });
    expect((greeting.content as Array<{ text: string }>)[0].text).toBe('Hello, Nest!');
    const echoed = await client.callTool({ name: 'echo', arguments: { text: 'sample' } });
    expect((echoed.content as Array<{ text: string }>)[0].text).toBe('sample');
    await client.close();

    const id = await openRawSession(sample.url);
    const headers = {
      ...MCP_POST_HEADERS,
      'mcp-session-id': id,
      'mcp-protocol-version': '2025-11-25',
    };
    const stream = await openStream(sample.url, { headers });
    const call = rawRequest(sample.url, {
      headers,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: { name: 'sleep', arguments: { ms: 600 } },
      }),
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    sample.child.kill('SIGTERM');

    await stream.ended;
    const result = await call;
    expect(sseMessages(result.text).at(-1).result.content[0].text).toBe('slept 600 ms');
    expect(await sample.exited).toBe(0);
    expect(sample.output()).not.toMatch(/ERROR|Unhandled/);
  });

  it('reads its configuration from the environment through ConfigService', async () => {
    const sample = await startSample({ MCP_STATELESS: 'true', MCP_JSON_RESPONSE: 'true' });
    try {
      const get = await rawRequest(sample.url, { method: 'GET', headers: MCP_POST_HEADERS });
      expect(get.status).toBe(405);
      expect(get.headers.allow).toBe('POST');
      const call = await rawRequest(sample.url, {
        headers: { ...MCP_POST_HEADERS, 'mcp-protocol-version': '2025-11-25' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'echo', arguments: { text: 'json' } },
        }),
      });
      expect(call.headers['content-type']).toMatch(/application\/json/);
      expect(call.json().result.content[0].text).toBe('json');
    } finally {
      sample.child.kill('SIGINT');
      expect(await sample.exited).toBe(0);
    }
  });

  it('refuses an invalid environment at startup with a message naming the variable', async () => {
    await expect(startSample({ MCP_MAX_SESSIONS: 'many' })).rejects.toThrow(
      /MCP_MAX_SESSIONS must be a number/,
    );
  });
});
