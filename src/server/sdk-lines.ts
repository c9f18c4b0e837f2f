import type { WebStandardStreamableHTTPServerTransportOptions } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { McpServerInstance } from './mcp-server-factory.interface.js';
import { jsonResponseTransport, type SessionTransportClass } from './json-response.transport.js';
import type { McpTransport } from './mcp-transport.interface.js';
import type { ModernSdk } from '../modern/modern-sdk.js';

/** The two lines of the official TypeScript SDK the module serves with. */
export type SdkLineName = 'v1' | 'v2';

/** What the module needs of one SDK line to serve 2025-era sessions with its servers. */
export interface SdkLine {
  readonly name: SdkLineName;
  /** The package an application installs for this line. */
  readonly packageName: string;
  /**
   * Whether `value` is a server of this line (`McpServer` or `Server`), and if so whether it is
   * connected to a transport already; `undefined` for anything else.
   */
  inspect(value: unknown): 'connected' | 'unconnected' | undefined;
  /** A web-standard session transport of this line (the JSON-response one when asked). */
  transport(options: WebStandardStreamableHTTPServerTransportOptions, json: boolean): McpTransport;
}

/** The SDK lines installed beside the module, found once at bootstrap. */
export interface SdkLines {
  readonly v1: SdkLine | undefined;
  readonly v2: SdkLine | undefined;
  /** The SDK v2's serving pieces for 2026-07-28 requests; `undefined` without the v2 line. */
  readonly modern: ModernSdk | undefined;
}

/** The error of an application with neither SDK line installed. */
export const NO_SDK_LINE =
  'McpSessionModule needs an MCP SDK: install @modelcontextprotocol/server (the SDK v2, which serves both protocol eras) or @modelcontextprotocol/sdk (the SDK v1, 2025-era sessions only).';

interface ServerClasses {
  McpServer: new (...args: never[]) => { isConnected(): boolean };
  Server: new (...args: never[]) => { transport?: unknown };
}

function lineOf(
  name: SdkLineName,
  packageName: string,
  classes: ServerClasses,
  Transport: SessionTransportClass,
): SdkLine {
  const JsonTransport = jsonResponseTransport(Transport);
  return {
    name,
    packageName,
    inspect(value) {
      if (value instanceof classes.McpServer) {
        return value.isConnected() ? 'connected' : 'unconnected';
      }
      if (value instanceof classes.Server) {
        return value.transport === undefined ? 'unconnected' : 'connected';
      }
      return undefined;
    },
    transport: (options, json) => (json ? new JsonTransport(options) : new Transport(options)),
  };
}

/** True when `error` says that the package itself is not installed (not a failure inside it). */
function isMissing(error: unknown, packageName: string): boolean {
  const { code, message } = error as { code?: string; message?: string };
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    String(message).includes(packageName)
  );
}

async function optional<T>(packageName: string, load: () => Promise<T>): Promise<T | undefined> {
  try {
    return await load();
  } catch (error) {
    if (isMissing(error, packageName)) return undefined;
    throw error;
  }
}

async function loadV1(): Promise<SdkLine | undefined> {
  const packageName = '@modelcontextprotocol/sdk';
  return optional(packageName, async () => {
    const [{ McpServer }, { Server }, { WebStandardStreamableHTTPServerTransport }] =
      await Promise.all([
        import('@modelcontextprotocol/sdk/server/mcp.js'),
        import('@modelcontextprotocol/sdk/server/index.js'),
        import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'),
      ]);
    return lineOf(
      'v1',
      packageName,
      { McpServer, Server } as unknown as ServerClasses,
      WebStandardStreamableHTTPServerTransport as unknown as SessionTransportClass,
    );
  });
}

async function loadV2(): Promise<{ line: SdkLine; modern: ModernSdk } | undefined> {
  const packageName = '@modelcontextprotocol/server';
  return optional(packageName, async () => {
    const sdk = await import('@modelcontextprotocol/server');
    const line = lineOf(
      'v2',
      packageName,
      { McpServer: sdk.McpServer, Server: sdk.Server } as unknown as ServerClasses,
      sdk.WebStandardStreamableHTTPServerTransport as unknown as SessionTransportClass,
    );
    const modern: ModernSdk = {
      createMcpHandler: sdk.createMcpHandler,
      classifyInboundRequest: sdk.classifyInboundRequest,
      createRequestStateCodec: sdk.createRequestStateCodec,
      InMemoryServerEventBus: sdk.InMemoryServerEventBus,
    };
    return { line, modern };
  });
}

/**
 * Finds the SDK lines the application has installed. Both are optional peer dependencies: either
 * serves 2025-era sessions; only the SDK v2 serves 2026-07-28 requests.
 *
 * @throws Error saying what to install, when neither line is there.
 */
export async function loadSdkLines(): Promise<SdkLines> {
  const [v1, v2] = await Promise.all([loadV1(), loadV2()]);
  if (!v1 && !v2) throw new Error(NO_SDK_LINE);
  return { v1, v2: v2?.line, modern: v2?.modern };
}

/** The line `server` belongs to, and whether it is connected; `undefined` for no known server. */
export function inspectServer(
  lines: SdkLines,
  server: McpServerInstance | unknown,
): { line: SdkLine; state: 'connected' | 'unconnected' } | undefined {
  for (const line of [lines.v2, lines.v1]) {
    const state = line?.inspect(server);
    if (line && state) return { line, state };
  }
  return undefined;
}
