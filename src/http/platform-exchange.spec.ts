import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { toNodeExchange } from './platform-exchange.js';

function nodePair(): { req: IncomingMessage; res: ServerResponse } {
  const req = new IncomingMessage(new Socket());
  return { req, res: new ServerResponse(req) };
}

describe('toNodeExchange', () => {
  it("hands Express's Node request and response on as they are", () => {
    const { req, res } = nodePair();
    const exchange = toNodeExchange(req, res);
    expect(exchange).toEqual({ req, res, principalSource: req });
  });

  it('takes a Fastify reply over and unwraps the Fastify request, keeping it for the principal', () => {
    const { req, res } = nodePair();
    let hijacked = 0;
    const fastifyRequest = { raw: req, user: { id: 'alice' } };
    const reply = { raw: res, hijack: () => hijacked++ };
    const exchange = toNodeExchange(fastifyRequest, reply);
    expect(exchange.req).toBe(req);
    expect(exchange.res).toBe(res);
    expect(exchange.principalSource).toBe(fastifyRequest);
    expect(hijacked).toBe(1);
  });

  it("carries the SDK's auth from the Fastify request to the Node request, where the transport reads it", () => {
    const { req, res } = nodePair();
    const auth = { token: 't', clientId: 'c', scopes: [] };
    const exchange = toNodeExchange({ raw: req, auth }, { raw: res, hijack: () => undefined });
    expect((exchange.req as IncomingMessage & { auth?: unknown }).auth).toBe(auth);
  });
});
