import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import { MCP_SESSION_OPTIONS } from '../module/mcp-session.constants.js';
import type { ResolvedMcpSessionOptions } from '../options/mcp-session-options.resolver.js';
import { endpointPath, globalPrefixOf, normalizePath } from './endpoint-path.js';

/** What the check reads of an Express 5 router layer. */
interface RouterLayer {
  route?: { methods?: Record<string, boolean> };
  match?: (path: string) => unknown;
}

/** What the check uses of a Fastify instance: its router's lookup of a request. */
interface FastifyRouter {
  findRoute?(route: { method: string; url: string }): unknown;
}

/**
 * Whether a POST to `path` reaches a route of the application, on Express or on Fastify;
 * `undefined` when the platform or its router cannot be read, so nothing can be said.
 */
function servesPost(adapterHost: HttpAdapterHost, path: string): boolean | undefined {
  const adapter = adapterHost.httpAdapter;
  const type = adapter?.getType();
  if (type === 'fastify') {
    const fastify = adapter.getInstance<FastifyRouter>();
    if (typeof fastify.findRoute !== 'function') return undefined;
    return fastify.findRoute({ method: 'POST', url: path }) !== null;
  }
  if (type !== 'express') return undefined;
  const stack = (adapter.getInstance() as { router?: { stack?: unknown } }).router?.stack;
  if (!Array.isArray(stack)) return undefined;
  return (stack as RouterLayer[]).some(
    (layer) =>
      layer.route !== undefined &&
      typeof layer.match === 'function' &&
      (layer.route.methods?._all === true || layer.route.methods?.post === true) &&
      Boolean(layer.match(path)),
  );
}

/**
 * With `controller: false`, checks once the application's routes are mapped that one of them
 * serves the endpoint's path, since the module reads the request bodies of that path itself.
 * A `path` that no route serves (most often one that repeats the global prefix) leaves the
 * application's route to the platform's body parser: bodies over its limit (100 kB on Express,
 * 1 MiB on Fastify) get its own 413, not a JSON-RPC answer. The check warns, naming the fix, rather than fail: the route may be served in
 * a way the check cannot see (a middleware, another adapter).
 */
@Injectable()
export class EndpointRouteCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger(EndpointRouteCheck.name);

  constructor(
    @Inject(MCP_SESSION_OPTIONS) private readonly options: ResolvedMcpSessionOptions,
    private readonly moduleRef: ModuleRef,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onApplicationBootstrap(): void {
    const prefix = normalizePath(globalPrefixOf(this.moduleRef));
    const endpoint = endpointPath(prefix, this.options.path);
    if (servesPost(this.adapterHost, endpoint) !== false) return;
    const path = normalizePath(this.options.path);
    const withoutPrefix = path.slice(prefix.length);
    if (
      prefix !== '/' &&
      path.startsWith(`${prefix}/`) &&
      servesPost(this.adapterHost, path) === true
    ) {
      this.logger.warn(
        `The McpSessionModule option "path" ("${this.options.path}") includes the global prefix "${prefix}", which the module adds itself, so it reads the request bodies of ${endpoint}, where no route is. Set path: '${withoutPrefix}', the route without the global prefix.`,
      );
      return;
    }
    this.logger.warn(
      `McpSessionModule is registered with controller: false, but no POST route serves ${endpoint}, the endpoint that its option "path" ("${this.options.path}") and the global prefix make. Set "path" to the route of the controller that calls SessionManager.handleRequest, without the global prefix; until then, request bodies on that route are parsed by the platform (100 kB limit on Express, 1 MiB on Fastify; errors that are not JSON-RPC).`,
    );
  }
}
