import type { ModuleRef } from '@nestjs/core';
import { MCP_SERVER_FACTORY } from '../module/mcp-session.constants.js';
import type {
  McpServerContext,
  McpServerFactory,
  McpServerInstance,
} from './mcp-server-factory.interface.js';
import { inspectServer, type SdkLine, type SdkLines } from './sdk-lines.js';

const ALREADY_CONNECTED =
  'The MCP server factory returned a server that is already connected to a transport. An SDK server serves one transport: build a new server on every call of the factory.';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'Object'}`;
  return typeof value;
}

/** The error of an application that provides no factory under `MCP_SERVER_FACTORY`. */
export const NO_SERVER_FACTORY =
  'McpSessionModule found no MCP server factory. Provide one in a module of your application: ' +
  '{ provide: MCP_SERVER_FACTORY, useFactory: (...services) => () => new McpServer(...), inject: [...] }.';

/** Throws, saying what to provide instead, unless `factory` is a function. */
export function assertServerFactory(factory: unknown): asserts factory is McpServerFactory {
  if (typeof factory !== 'function') {
    throw new Error(
      `The provider for MCP_SERVER_FACTORY must be a function that returns a new McpServer or Server per session, got ${describe(factory)}. Use useFactory: () => () => createServer().`,
    );
  }
}

/** Finds the application's factory under `MCP_SERVER_FACTORY`, in any module. */
export function findServerFactory(moduleRef: ModuleRef): McpServerFactory {
  let factory: unknown;
  try {
    factory = moduleRef.get(MCP_SERVER_FACTORY, { strict: false });
  } catch {
    throw new Error(NO_SERVER_FACTORY);
  }
  assertServerFactory(factory);
  return factory;
}

/** A server the factory built, with the SDK line it belongs to. */
export interface BuiltServer {
  server: McpServerInstance;
  line: SdkLine;
}

/** Calls the factory and checks that it returned a new, unconnected server of an installed line. */
export async function createServer(
  factory: McpServerFactory,
  context: McpServerContext,
  lines: SdkLines,
): Promise<BuiltServer> {
  const server: unknown = await factory(context);
  const inspected = inspectServer(lines, server);
  if (!inspected) {
    throw new Error(
      `The MCP server factory returned ${describe(server)}, not an McpServer or Server of ${installed(lines)}. Return a new server from the factory provided under MCP_SERVER_FACTORY.`,
    );
  }
  if (inspected.state === 'connected') throw new Error(ALREADY_CONNECTED);
  return { server: server as McpServerInstance, line: inspected.line };
}

function installed(lines: SdkLines): string {
  return [lines.v2, lines.v1].flatMap((line) => (line ? [line.packageName] : [])).join(' or ');
}
