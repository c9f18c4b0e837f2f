import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { MCP_SESSION_OPTIONS } from '../module/mcp-session.constants.js';
import type { ResolvedMcpSessionOptions } from '../options/mcp-session-options.resolver.js';
import { SessionManager } from '../session/session-manager.service.js';
import { endpointPath, globalPrefixOf, normalizePath } from './endpoint-path.js';

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** The path of a request target, without its query. */
function pathOf(url: string | undefined): string {
  const path = url ?? '/';
  const query = path.indexOf('?');
  return normalizePath(query === -1 ? path : path.slice(0, query));
}

/**
 * With `mount: 'server'`, serves the endpoint from the HTTP server itself, ahead of the platform
 * (Express or Fastify): a request to the endpoint's path goes straight to
 * `SessionManager.handleRequest`; any other goes to the platform, as before. What the platform
 * would have run for the endpoint does not run: middleware (so `enableCors`), guards,
 * interceptors, pipes and exception filters. The principal is what `principalResolver` makes of
 * the Node request.
 */
@Injectable()
export class ServerMount implements OnApplicationBootstrap {
  private readonly logger = new Logger(ServerMount.name);

  constructor(
    @Inject(MCP_SESSION_OPTIONS) private readonly options: ResolvedMcpSessionOptions,
    private readonly moduleRef: ModuleRef,
    private readonly adapterHost: HttpAdapterHost,
    private readonly sessions: SessionManager,
  ) {}

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server) {
      throw new Error(
        "McpSessionModule is registered with mount: 'server', but the application has no HTTP server: create it with NestFactory.create.",
      );
    }
    const endpoint = endpointPath(normalizePath(globalPrefixOf(this.moduleRef)), this.options.path);
    const platform = server.listeners('request') as RequestListener[];
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (pathOf(req.url) === endpoint) {
        void this.sessions.handleRequest(req, res);
        return;
      }
      for (const listener of platform) listener.call(server, req, res);
    });
    this.logger.log(`MCP endpoint ${endpoint} served ahead of the platform's router`);
  }
}
