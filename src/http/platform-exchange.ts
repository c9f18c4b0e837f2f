import type { IncomingMessage, ServerResponse } from 'node:http';

/** What the edge reads of a Fastify request: the Node request it wraps. */
interface FastifyRequestLike {
  raw: IncomingMessage;
  auth?: unknown;
}

/** What the edge uses of a Fastify reply: taking the Node response over from Fastify. */
interface FastifyReplyLike {
  raw: ServerResponse;
  hijack(): unknown;
}

/** The request a controller receives with `@Req()`: Node's (Express) or Fastify's. */
export type PlatformRequest = IncomingMessage | FastifyRequestLike;

/** The response a controller receives with `@Res()`: Node's (Express) or Fastify's reply. */
export type PlatformResponse = ServerResponse | FastifyReplyLike;

/** One request at the HTTP edge, as Node objects whichever platform delivered it. */
export interface NodeExchange {
  req: IncomingMessage;
  res: ServerResponse;
  /** The object guards and middleware saw, which holds the principal (`user`, `auth`). */
  principalSource: PlatformRequest;
}

function isFastifyReply(res: PlatformResponse): res is FastifyReplyLike {
  return 'hijack' in res && typeof res.hijack === 'function';
}

/**
 * Turns the request and response a route receives into the Node request and response that the
 * pipeline and the SDK transport work on. On Fastify the reply is hijacked, so that Fastify
 * neither buffers the transport's streamed answer nor sends one of its own after the handler; the
 * SDK's `auth`, when a hook set it on the Fastify request, is carried over to the Node request,
 * where the transport reads it.
 */
export function toNodeExchange(req: PlatformRequest, res: PlatformResponse): NodeExchange {
  const nodeRes = isFastifyReply(res) ? hijack(res) : res;
  if (!('raw' in req)) return { req, res: nodeRes, principalSource: req };
  const nodeReq = req.raw as IncomingMessage & { auth?: unknown };
  if (req.auth !== undefined && nodeReq.auth === undefined) nodeReq.auth = req.auth;
  return { req: nodeReq, res: nodeRes, principalSource: req };
}

function hijack(reply: FastifyReplyLike): ServerResponse {
  reply.hijack();
  return reply.raw;
}
