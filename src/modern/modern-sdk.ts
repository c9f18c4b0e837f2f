import type {
  classifyInboundRequest,
  createMcpHandler,
  createRequestStateCodec,
  InMemoryServerEventBus,
} from '@modelcontextprotocol/server';

/**
 * The SDK v2's pieces that serve 2026-07-28 requests, loaded with the SDK v2 (see
 * `loadSdkLines`): its handler, its era classification, its request-state codec and its
 * in-process event bus.
 */
export interface ModernSdk {
  createMcpHandler: typeof createMcpHandler;
  classifyInboundRequest: typeof classifyInboundRequest;
  createRequestStateCodec: typeof createRequestStateCodec;
  InMemoryServerEventBus: typeof InMemoryServerEventBus;
}
