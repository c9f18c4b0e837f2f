/**
 * The sample's MCP server on the SDK v2 (`@modelcontextprotocol/server`), one builder for both
 * protocol eras: the "everything server" feature set that the official conformance suite
 * (`@modelcontextprotocol/conformance` 0.2, requirement sets 2025-11-25 and 2026-07-28)
 * exercises, plus a few demo tools (`echo`, `sleep`, and `greet`, which uses an injected Nest
 * service).
 *
 * - `legacy`: a 2025-era session. Logging levels and resource subscriptions are kept in the
 *   module's per-session state (they survive hibernation); list changes go to the session.
 * - `modern`: one 2026-07-28 request, served statelessly. No session: multi-round-trip tools
 *   carry their state in sealed `requestState`, list changes go to `subscriptions/listen` streams.
 */
import { McpServer, type ServerNotifier } from '@modelcontextprotocol/server';
import type { GreetingService } from '../greeting.service.js';
import type { EverythingContext, RequestStateSealer } from './everything-context.js';
import { LegacySession } from './legacy-session.js';
import { registerPrompts } from './prompts.js';
import { registerResources } from './resources.js';
import { registerContentTools } from './tools-content.js';
import { registerDemoTools } from './tools-demo.js';
import { registerDiagnosticTools } from './tools-diagnostic.js';
import { registerInputRequiredTools } from './tools-input-required.js';
import { registerInteractiveTools } from './tools-interactive.js';

/** The Nest services that the server's tools use. */
export interface EverythingServerDeps {
  greetings: GreetingService;
}

/** What the builder needs to know about what it serves (a subset of the module's context). */
export interface EverythingServerContext {
  /** `legacy`: a 2025-era session; `modern`: one 2026-07-28 request. */
  era: 'legacy' | 'modern';
  /** Per-session state that survives hibernation; a fresh object per modern request. */
  state: Record<string, unknown>;
  /** The codec sealing `requestState`, with a key every replica shares. */
  requestState: RequestStateSealer | undefined;
  /** Publishes list changes to `subscriptions/listen` streams (modern era), when anyone listens. */
  notify?: ServerNotifier;
}

/** How long clients of the 2026-07-28 revision may cache the lists and static resources. */
const CACHE_TTL_MS = 60_000;

/**
 * Builds a new, unconnected server for one 2025-era session or one 2026-07-28 request.
 *
 * @param deps - the Nest services that the tools use.
 * @param context - the era served, the session's state and the request-state codec.
 */
export function buildEverythingServer(
  deps: EverythingServerDeps,
  context: EverythingServerContext,
): McpServer {
  const codec = context.requestState;
  if (!codec) {
    throw new Error(
      'The everything server needs context.requestState (a request-state codec) to seal the ' +
        'state of its multi-round-trip tools.',
    );
  }
  const legacy = context.era === 'legacy';
  const cacheHint = { ttlMs: CACHE_TTL_MS, cacheScope: 'public' as const };
  const server = new McpServer(
    { name: 'nestjs-mcp-session-everything', version: '1.0.0' },
    {
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: legacy, listChanged: true },
        prompts: { listChanged: true },
        logging: {},
        completions: {},
      },
      requestState: { verify: (state, ctx) => codec.verify(state, ctx) },
      cacheHints: {
        'tools/list': cacheHint,
        'prompts/list': cacheHint,
        'resources/list': cacheHint,
        'resources/templates/list': cacheHint,
        'resources/read': cacheHint,
      },
    },
  );
  const session = legacy ? new LegacySession(server, context.state) : undefined;
  const everything: EverythingContext = {
    era: context.era,
    requestState: codec,
    session,
    notify: context.notify,
  };

  registerContentTools(server);
  registerInteractiveTools(server, everything);
  registerInputRequiredTools(server, everything);
  registerDiagnosticTools(server, everything);
  registerDemoTools(server, deps.greetings);
  registerResources(server, session);
  registerPrompts(server);
  if (session) registerSessionHandlers(server, session);
  return server;
}

/**
 * The 2025-era requests that `McpServer` has no API for: resource (un)subscription, and a
 * `logging/setLevel` that records the level in the session's state, so that it survives
 * hibernation. The 2026-07-28 revision has none of these methods.
 */
function registerSessionHandlers(server: McpServer, session: LegacySession): void {
  server.server.setRequestHandler('logging/setLevel', ({ params }) => {
    session.setLogLevel(params.level);
    return {};
  });
  server.server.setRequestHandler('resources/subscribe', ({ params }) => {
    session.subscribe(params.uri);
    return {};
  });
  server.server.setRequestHandler('resources/unsubscribe', ({ params }) => {
    session.unsubscribe(params.uri);
    return {};
  });
  const previousOnClose = server.server.onclose;
  server.server.onclose = () => {
    session.dispose();
    previousOnClose?.();
  };
}
