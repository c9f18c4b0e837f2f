import { Inject, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MCP_SESSION_OPTIONS, MCP_TELEMETRY } from '../module/mcp-session.constants.js';
import type { ResolvedMcpSessionOptions } from '../options/mcp-session-options.resolver.js';
import { endpointPath, globalPrefixOf, normalizePath } from './endpoint-path.js';
import type { McpTelemetry } from '../telemetry/mcp-telemetry.js';
import { writeJsonRpcError, type HttpJsonRpcError } from './json-rpc-error.js';
import { readRequestBody } from './request-body.js';

/** What the reader uses of a Fastify request and reply. */
interface FastifyExchange {
  request: { raw: IncomingMessage; headers: Record<string, string | undefined> };
  reply: { raw: ServerResponse; hijack(): unknown };
}

/** What the reader uses of a Fastify instance: an application-wide hook. */
interface FastifyHooks {
  addHook(
    name: 'preParsing',
    hook: (
      request: FastifyExchange['request'],
      reply: FastifyExchange['reply'],
    ) => Promise<undefined>,
  ): unknown;
}

/**
 * Headers that make Fastify see a request without a body, so that it runs the route's handler
 * without its own parser (and its own `bodyLimit`). Fastify's `request.headers` setter keeps them
 * beside the Node request's headers, which the pipeline and the SDK transport read, unchanged.
 */
const NO_BODY_TO_PARSE = {
  'content-type': undefined,
  'content-length': '0',
  'transfer-encoding': undefined,
};

/**
 * Claims the body of requests to the MCP endpoint before the platform's body parser sees it, so
 * that the endpoint applies its own `maxRequestBodySize` (4 MiB by default, where Nest's Express
 * parser stops at 100 kB and Fastify's at 1 MiB) and answers refused bodies with JSON-RPC bodies.
 *
 * It is mounted as soon as the HTTP adapter exists, before Nest registers its parsers and routes:
 * on Express as the first middleware, on Fastify as a `preParsing` hook of the whole application.
 */
@Injectable()
export class BodyReader {
  private readonly logger = new Logger(BodyReader.name);
  private endpointPath: string | undefined;

  constructor(
    @Inject(MCP_SESSION_OPTIONS) private readonly options: ResolvedMcpSessionOptions,
    private readonly moduleRef: ModuleRef,
    adapterHost: HttpAdapterHost,
    @Inject(MCP_TELEMETRY) private readonly telemetry: McpTelemetry,
  ) {
    adapterHost.init$.subscribe(() => this.mount(adapterHost));
  }

  private mount(adapterHost: HttpAdapterHost): void {
    const adapter = adapterHost.httpAdapter;
    const type = adapter?.getType();
    if (type === 'express') {
      adapter.use((req: IncomingMessage, res: ServerResponse, next: () => void) =>
        this.claimExpress(req, res, next),
      );
    } else if (type === 'fastify') {
      const fastify = adapter.getInstance<FastifyHooks>();
      fastify.addHook('preParsing', (request, reply) => this.claimFastify(request, reply));
    } else {
      this.logger.warn(
        `The MCP endpoint's own body limit needs the Express or Fastify adapter; with "${type}" the platform's body parser applies.`,
      );
    }
  }

  private claimExpress(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    // Every method: a GET or DELETE with a body must not reach Nest's parser either.
    if (!this.isEndpoint(req)) return next();
    void readRequestBody(req, this.options.maxRequestBodySize).then((read) => {
      // A refused body is never handed on: no later parser may touch the request.
      if (read.kind === 'error') this.refuse(res, read.error);
      else next();
    });
  }

  private async claimFastify(
    request: FastifyExchange['request'],
    reply: FastifyExchange['reply'],
  ): Promise<undefined> {
    if (!this.isEndpoint(request.raw)) return undefined;
    const read = await readRequestBody(request.raw, this.options.maxRequestBodySize);
    if (read.kind === 'error') {
      // Taken over, so that Fastify neither answers nor runs the route.
      reply.hijack();
      this.refuse(reply.raw, read.error);
    } else {
      request.headers = { ...NO_BODY_TO_PARSE };
    }
    return undefined;
  }

  private refuse(res: ServerResponse, error: HttpJsonRpcError): void {
    this.telemetry.refused(error);
    writeJsonRpcError(res, error);
  }

  private isEndpoint(req: IncomingMessage): boolean {
    this.endpointPath ??= endpointPath(globalPrefixOf(this.moduleRef), this.options.path);
    const path = (req.url ?? '').split('?')[0];
    return normalizePath(path) === this.endpointPath;
  }
}
