import { Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

/** The 2026-07-28 revision. */
export const MODERN_VERSION = '2026-07-28';

/** How the SDK v2 client negotiates its protocol era. */
export type Negotiation = 'legacy' | 'auto' | 'pinned';

/** The SDK v2's real client on the endpoint, negotiating as asked. */
export async function connectV2Client(baseUrl: string, negotiation: Negotiation) {
  const mode = negotiation === 'pinned' ? { pin: MODERN_VERSION } : negotiation;
  const client = new Client(
    { name: 'e2e-client-v2', version: '1.0.0' },
    { versionNegotiation: { mode } },
  );
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', baseUrl));
  await client.connect(transport);
  return { client, transport };
}

/** The `_meta` envelope every 2026-07-28 request carries. */
export function modernMeta(capabilities: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
    'io.modelcontextprotocol/clientCapabilities': capabilities,
    'io.modelcontextprotocol/clientInfo': { name: 'raw-client', version: '1.0.0' },
  };
}

/** A 2026-07-28 request: its headers and body, for a raw HTTP exchange. */
export function modernRequest(
  method: string,
  params: Record<string, unknown> = {},
  id: number | string = 1,
  capabilities: Record<string, unknown> = {},
): { headers: Record<string, string>; body: string } {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': MODERN_VERSION,
    'mcp-method': method,
  };
  const name = params.name ?? params.uri;
  if (typeof name === 'string') headers['mcp-name'] = name;
  return {
    headers,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id,
      method,
      params: { ...params, _meta: modernMeta(capabilities) },
    }),
  };
}
