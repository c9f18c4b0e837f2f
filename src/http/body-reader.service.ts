import { Inject, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MCP_SESSION_OPTIONS } from '../module/mcp-session.constants.js';
import type { ResolvedMcpSessionOptions } from '../options/mcp-session-options.resolver.js';
import { endpointPath, globalPrefixOf, normalizePath } from './endpoint-path.js';
import { writeJsonRpcError } from './json-rpc-error.js';
import { readRequestBody } from './request-body.js';

/**
 * Claims the body of requests to the MCP endpoint before NestJS's JSON parser sees it, so that the
 * endpoint applies its own `maxRequestBodySize` (4 MiB by default, where Nest's parser stops at
 * 100 kB) and answers parse errors with JSON-RPC bodies.
 *
 * Nest registers its body parsers when the application initializes; this reader is mounted as
 * soon as the HTTP adapter exists, which is earlier, so it runs first. Express only.
 */
@Injectable()
export class BodyReader {
  private readonly logger = new Logger(BodyReader.name);
  private endpointPath: string | undefined;

  constructor(
    @Inject(MCP_SESSION_OPTIONS) private readonly options: ResolvedMcpSessionOptions,
    private readonly moduleRef: ModuleRef,
    adapterHost: HttpAdapterHost,
  ) {
    adapterHost.init$.subscribe(() => this.mount(adapterHost));
  }

  private mount(adapterHost: HttpAdapterHost): void {
    const adapter = adapterHost.httpAdapter;
    if (adapter?.getType() !== 'express') {
      this.logger.warn(
        `The MCP endpoint's own body limit needs the Express adapter; with "${adapter?.getType()}" the platform's body parser applies.`,
      );
      return;
    }
    adapter.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
      // Every method: a GET or DELETE with a body must not reach Nest's parser either.
      if (!this.isEndpoint(req)) return next();
      void readRequestBody(req, this.options.maxRequestBodySize).then((read) => {
        // A refused body is never handed on: no later parser may touch the request.
        if (read.kind === 'error') writeJsonRpcError(res, read.error);
        else next();
      });
    });
  }

  private isEndpoint(req: IncomingMessage): boolean {
    this.endpointPath ??= endpointPath(globalPrefixOf(this.moduleRef), this.options.path);
    const path = (req.url ?? '').split('?')[0];
    return normalizePath(path) === this.endpointPath;
  }
}
