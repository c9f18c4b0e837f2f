import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/** Options of a connected SDK client. */
export interface ClientOptions {
  name?: string;
  capabilities?: ConstructorParameters<typeof Client>[1];
  fetch?: typeof fetch;
  /** The endpoint's path. @default '/mcp' */
  path?: string;
}

/**
 * The SDK's real Client on the endpoint, reconnecting fast (so that resumption after a dropped
 * stream takes milliseconds, not seconds).
 */
export async function connectClient(baseUrl: string, options: ClientOptions = {}) {
  const client = new Client(
    { name: options.name ?? 'e2e-client', version: '1.0.0' },
    options.capabilities,
  );
  const transport = new StreamableHTTPClientTransport(new URL(options.path ?? '/mcp', baseUrl), {
    fetch: options.fetch,
    reconnectionOptions: {
      initialReconnectionDelay: 20,
      maxReconnectionDelay: 100,
      reconnectionDelayGrowFactor: 1.5,
      maxRetries: 5,
    },
  });
  await client.connect(transport);
  return { client, transport };
}

/** The text of a tool result's first content item. */
export function textOf(result: Awaited<ReturnType<Client['callTool']>>): string {
  return (result.content as Array<{ text: string }>)[0].text;
}
