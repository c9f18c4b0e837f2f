/**
 * The sample's MCP server on the SDK v1 (`@modelcontextprotocol/sdk`), used when `MCP_SDK=v1`: the
 * "everything server" feature set that the official conformance suite
 * (`@modelcontextprotocol/conformance` 0.1.16, `conformance server --suite all`) exercises, plus a
 * few demo tools (`echo`, `sleep`, and `greet`, which uses an injected Nest service). It speaks
 * the 2025-era protocol only; `everything-server.ts` is the SDK v2 server that serves both eras.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  LoggingLevelSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type CallToolResult,
  type ElicitRequestFormParams,
  type ElicitResult,
  type LoggingLevel,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { lazyJsonSchemaValidator } from '../../src/index.js';
import type { GreetingService } from '../greeting.service.js';
import { LOGGER, RED_PIXEL_PNG, SILENT_WAV } from './fixtures.js';

/** The Nest services that the server's tools use. */
export interface EverythingServerDeps {
  greetings: GreetingService;
}

/** What a tool handler receives besides its arguments. */
type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** The subscribable resource; it changes every {@link WATCHED_UPDATE_MS} while subscribed. */
const WATCHED_URI = 'test://watched-resource';
const WATCHED_UPDATE_MS = 3_000;
/** Longest wait the `sleep` tool accepts (10 minutes). */
const MAX_SLEEP_MS = 600_000;
/** How often `sleep` reports progress. */
const SLEEP_PROGRESS_MS = 250;
/** Log levels from least to most severe. */
const LOG_SEVERITY: readonly LoggingLevel[] = LoggingLevelSchema.options;

/** A street address; advertised as `$defs.address` by `json_schema_2020_12_tool`. */
const AddressSchema = z.object({ street: z.string().optional(), city: z.string().optional() });

/**
 * Input of `json_schema_2020_12_tool` (SEP-1613). The SDK emits draft-07 JSON Schema, so the
 * 2020-12 keywords (`$schema`, `$defs`) come from metadata; `address` is advertised as a bare
 * `$ref` (its `unknown` input side emits nothing else) while the pipe still validates its shape.
 */
const JsonSchema2020Input = z
  .strictObject({
    name: z.string().optional(),
    address: z.unknown().pipe(AddressSchema).optional().meta({ $ref: '#/$defs/address' }),
  })
  .meta({
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $defs: { address: jsonSchemaDefinition(AddressSchema) },
  });

/** `schema` as a JSON Schema fragment to embed in another schema (no `$schema` of its own). */
function jsonSchemaDefinition(schema: z.ZodType): Record<string, unknown> {
  const definition: Record<string, unknown> = z.toJSONSchema(schema, { io: 'input' });
  delete definition.$schema;
  return definition;
}

/** A completion callback that offers the `options` starting with what the user typed. */
function startingWith(options: readonly string[]): (value: string) => string[] {
  return (value) => options.filter((option) => option.startsWith(value));
}

/** A tool result made of one text block. */
function text(value: string): CallToolResult {
  return { content: [{ type: 'text', text: value }] };
}

/** Sends `notifications/progress` for the current request, if the client asked for progress. */
async function reportProgress(extra: ToolExtra, progress: number, total: number): Promise<void> {
  const progressToken = extra._meta?.progressToken;
  if (progressToken === undefined) return;
  await extra.sendNotification({
    method: 'notifications/progress',
    params: { progressToken, progress, total },
  });
}

/** Summarises an elicitation result as `action=…, content={…}`. */
function describeElicitation(result: ElicitResult): string {
  return `action=${result.action}, content=${JSON.stringify(result.content ?? {})}`;
}

/** What the session remembers across hibernation, in the module's per-session state object. */
interface PersistedState {
  logLevel?: LoggingLevel;
  subscriptions?: string[];
}

/**
 * What belongs to one MCP session: the log level the client chose and the resources it subscribed
 * to. Both live in the module's per-session state, so they survive hibernation; the update timer
 * of the watched resource belongs to this server instance and restarts when the session wakes.
 */
class SessionState {
  private watchedRevision = 0;
  private watchTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly server: McpServer,
    private readonly persisted: PersistedState,
  ) {
    this.syncWatchTimer();
  }

  private get subscriptions(): string[] {
    return (this.persisted.subscriptions ??= []);
  }

  /** Applies `logging/setLevel`. */
  setLogLevel(level: LoggingLevel): void {
    this.persisted.logLevel = level;
  }

  /** Logs to the client on the current request's stream, unless `level` is below the chosen one. */
  async log(extra: ToolExtra, level: LoggingLevel, data: string): Promise<void> {
    const chosen = this.persisted.logLevel ?? 'debug';
    if (LOG_SEVERITY.indexOf(level) < LOG_SEVERITY.indexOf(chosen)) return;
    await extra.sendNotification({
      method: 'notifications/message',
      params: { level, logger: LOGGER, data },
    });
  }

  subscribe(uri: string): void {
    if (!this.subscriptions.includes(uri)) this.subscriptions.push(uri);
    this.syncWatchTimer();
  }

  unsubscribe(uri: string): void {
    this.persisted.subscriptions = this.subscriptions.filter((subscribed) => subscribed !== uri);
    this.syncWatchTimer();
  }

  /** Current text of {@link WATCHED_URI}. */
  get watchedContent(): string {
    return `Watched resource content, revision ${this.watchedRevision}`;
  }

  /** Stops the update timer; called when this server closes (session end or hibernation). */
  dispose(): void {
    clearInterval(this.watchTimer);
    this.watchTimer = undefined;
  }

  /** Runs the update timer of the watched resource exactly while it is subscribed. */
  private syncWatchTimer(): void {
    const watched = this.subscriptions.includes(WATCHED_URI);
    if (watched && !this.watchTimer) {
      this.watchTimer = setInterval(() => this.updateWatched(), WATCHED_UPDATE_MS).unref();
    } else if (!watched && this.watchTimer) {
      clearInterval(this.watchTimer);
      this.watchTimer = undefined;
    }
  }

  /** Changes the watched resource and tells the client, if it subscribed to it. */
  private updateWatched(): void {
    this.watchedRevision += 1;
    if (!this.subscriptions.includes(WATCHED_URI)) return;
    this.server.server.sendResourceUpdated({ uri: WATCHED_URI }).catch(() => {
      // The transport is gone; the close handler stops the timer.
    });
  }
}

/**
 * Builds a new, unconnected server for one MCP session.
 *
 * @param deps - the Nest services that the tools use.
 * @param state - the module's per-session state, which survives hibernation.
 */
export function buildEverythingServerV1(
  deps: EverythingServerDeps,
  state: Record<string, unknown> = {},
): McpServer {
  const server = new McpServer(
    { name: 'nestjs-mcp-session-everything', version: '1.0.0' },
    {
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        logging: {},
        completions: {},
      },
      jsonSchemaValidator: lazyJsonSchemaValidator(() => new AjvJsonSchemaValidator()),
    },
  );
  const session = new SessionState(server, state as PersistedState);

  registerContentTools(server);
  registerInteractiveTools(server, session);
  registerDemoTools(server, deps);
  registerResources(server, session);
  registerPrompts(server);
  registerSessionHandlers(server, session);

  const previousOnClose = server.server.onclose;
  server.server.onclose = () => {
    session.dispose();
    previousOnClose?.();
  };
  return server;
}

/** Tools that return fixed content of each kind, an error, or a JSON Schema 2020-12 input. */
function registerContentTools(server: McpServer): void {
  server.registerTool('test_simple_text', { description: 'Returns simple text content' }, () =>
    text('This is a simple text response for testing.'),
  );

  server.registerTool(
    'test_image_content',
    { description: 'Returns image content (a base64 PNG)' },
    () => ({ content: [{ type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' }] }),
  );

  server.registerTool(
    'test_audio_content',
    { description: 'Returns audio content (a base64 WAV)' },
    () => ({ content: [{ type: 'audio', data: SILENT_WAV, mimeType: 'audio/wav' }] }),
  );

  server.registerTool(
    'test_embedded_resource',
    { description: 'Returns an embedded resource' },
    () => ({
      content: [
        {
          type: 'resource',
          resource: {
            uri: 'test://embedded-resource',
            mimeType: 'text/plain',
            text: 'This is an embedded resource content.',
          },
        },
      ],
    }),
  );

  server.registerTool(
    'test_multiple_content_types',
    { description: 'Returns text, image and embedded resource content together' },
    () => ({
      content: [
        { type: 'text', text: 'Multiple content types test:' },
        { type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' },
        {
          type: 'resource',
          resource: {
            uri: 'test://mixed-content-resource',
            mimeType: 'application/json',
            text: JSON.stringify({ test: 'data', value: 123 }),
          },
        },
      ],
    }),
  );

  // Like every error a tool throws, the SDK turns this one into a result with `isError: true`.
  server.registerTool(
    'test_error_handling',
    { description: 'Always fails, to test error results' },
    () => {
      throw new Error('This tool intentionally returns an error for testing');
    },
  );

  server.registerTool(
    'json_schema_2020_12_tool',
    {
      description: 'Tool with JSON Schema 2020-12 features ($schema, $defs, additionalProperties)',
      inputSchema: JsonSchema2020Input,
    },
    (args) => text(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`),
  );
}

/** Tools that talk back to the client while they run: logs, progress, sampling, elicitation. */
function registerInteractiveTools(server: McpServer, session: SessionState): void {
  server.registerTool(
    'test_tool_with_logging',
    { description: 'Sends three info log messages while it runs' },
    async (extra) => {
      await session.log(extra, 'info', 'Tool execution started');
      await delay(50, undefined, { signal: extra.signal });
      await session.log(extra, 'info', 'Tool processing data');
      await delay(50, undefined, { signal: extra.signal });
      await session.log(extra, 'info', 'Tool execution completed');
      return text('Tool with logging executed successfully');
    },
  );

  server.registerTool(
    'test_tool_with_progress',
    { description: 'Reports progress 0, 50 and 100 of 100 when given a progress token' },
    async (extra) => {
      await reportProgress(extra, 0, 100);
      await delay(50, undefined, { signal: extra.signal });
      await reportProgress(extra, 50, 100);
      await delay(50, undefined, { signal: extra.signal });
      await reportProgress(extra, 100, 100);
      return text('Tool with progress executed successfully');
    },
  );

  server.registerTool(
    'test_sampling',
    {
      description: 'Asks the client for an LLM completion (sampling/createMessage)',
      inputSchema: { prompt: z.string().describe('The prompt to send to the LLM') },
    },
    async ({ prompt }, extra) => {
      if (!server.server.getClientCapabilities()?.sampling) {
        throw new Error('The client does not support sampling');
      }
      const result = await server.server.createMessage(
        { messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: 100 },
        { relatedRequestId: extra.requestId, signal: extra.signal },
      );
      const reply =
        result.content.type === 'text' ? result.content.text : `[${result.content.type}]`;
      return text(`LLM response: ${reply}`);
    },
  );

  /** Runs a form elicitation on the current request's stream. */
  const elicit = async (
    extra: ToolExtra,
    params: ElicitRequestFormParams,
  ): Promise<ElicitResult> => {
    if (!server.server.getClientCapabilities()?.elicitation) {
      throw new Error('The client does not support elicitation');
    }
    return server.server.elicitInput(params, {
      relatedRequestId: extra.requestId,
      signal: extra.signal,
    });
  };

  server.registerTool(
    'test_elicitation',
    {
      description: 'Asks the user for a username and an email (elicitation/create)',
      inputSchema: { message: z.string().describe('The message to show the user') },
    },
    async ({ message }, extra) => {
      const result = await elicit(extra, {
        message,
        requestedSchema: {
          type: 'object',
          properties: {
            username: { type: 'string', description: "User's response" },
            email: { type: 'string', description: "User's email address" },
          },
          required: ['username', 'email'],
        },
      });
      return text(`User response: ${describeElicitation(result)}`);
    },
  );

  server.registerTool(
    'test_elicitation_sep1034_defaults',
    { description: 'Elicits every primitive type with a default value (SEP-1034)' },
    async (extra) => {
      const result = await elicit(extra, {
        message: 'Please review and update the form fields with defaults',
        requestedSchema: {
          type: 'object',
          properties: {
            name: { type: 'string', description: 'User name', default: 'John Doe' },
            age: { type: 'integer', description: 'User age', default: 30 },
            score: { type: 'number', description: 'User score', default: 95.5 },
            status: {
              type: 'string',
              description: 'User status',
              enum: ['active', 'inactive', 'pending'],
              default: 'active',
            },
            verified: { type: 'boolean', description: 'Verification status', default: true },
          },
        },
      });
      return text(`Elicitation completed: ${describeElicitation(result)}`);
    },
  );

  server.registerTool(
    'test_elicitation_sep1330_enums',
    {
      description: 'Elicits every enum variant: (un)titled, single/multi-select, legacy (SEP-1330)',
    },
    async (extra) => {
      const result = await elicit(extra, {
        message: 'Please pick from each kind of enum',
        requestedSchema: {
          type: 'object',
          properties: {
            untitledSingle: {
              type: 'string',
              description: 'Untitled single-select',
              enum: ['option1', 'option2', 'option3'],
            },
            titledSingle: {
              type: 'string',
              description: 'Titled single-select',
              oneOf: [
                { const: 'value1', title: 'First Option' },
                { const: 'value2', title: 'Second Option' },
                { const: 'value3', title: 'Third Option' },
              ],
            },
            legacyEnum: {
              type: 'string',
              description: 'Legacy titled single-select (enumNames, deprecated)',
              enum: ['opt1', 'opt2', 'opt3'],
              enumNames: ['Option One', 'Option Two', 'Option Three'],
            },
            untitledMulti: {
              type: 'array',
              description: 'Untitled multi-select',
              items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
            },
            titledMulti: {
              type: 'array',
              description: 'Titled multi-select',
              items: {
                anyOf: [
                  { const: 'value1', title: 'First Choice' },
                  { const: 'value2', title: 'Second Choice' },
                  { const: 'value3', title: 'Third Choice' },
                ],
              },
            },
          },
        },
      });
      return text(`Elicitation completed: ${describeElicitation(result)}`);
    },
  );

  server.registerTool(
    'test_reconnection',
    {
      description:
        'Closes its SSE stream mid-call; the result arrives after the client reconnects (SEP-1699)',
    },
    async (extra) => {
      // Available when the transport has an event store. Without one the result simply arrives
      // on the open stream.
      extra.closeSSEStream?.();
      await delay(100, undefined, { signal: extra.signal });
      return text('Reconnection test completed: the result arrived after the stream was closed.');
    },
  );
}

/** Tools that are not part of the conformance suite: `echo`, `sleep` and `greet`. */
function registerDemoTools(server: McpServer, deps: EverythingServerDeps): void {
  server.registerTool(
    'echo',
    { description: 'Returns the given text', inputSchema: { text: z.string() } },
    ({ text: value }) => text(value),
  );

  server.registerTool(
    'sleep',
    {
      description: `Waits the given time; reports progress every ${SLEEP_PROGRESS_MS} ms when asked`,
      inputSchema: {
        ms: z.number().int().min(0).max(MAX_SLEEP_MS).describe('How long to wait, in milliseconds'),
      },
    },
    async ({ ms }, extra) => {
      const started = Date.now();
      const ticker =
        extra._meta?.progressToken === undefined
          ? undefined
          : setInterval(() => {
              const elapsed = Math.min(Date.now() - started, ms);
              reportProgress(extra, elapsed, ms).catch(() => {
                // A lost progress notification must not fail the call.
              });
            }, SLEEP_PROGRESS_MS);
      try {
        // Rejects with an AbortError, and clears its timer, when the request is cancelled.
        await delay(ms, undefined, { signal: extra.signal });
      } finally {
        clearInterval(ticker);
      }
      return text(`slept ${ms} ms`);
    },
  );

  server.registerTool(
    'greet',
    {
      description: 'Greets someone, using the injected GreetingService',
      inputSchema: { name: z.string().describe('Who to greet') },
    },
    ({ name }) => text(deps.greetings.greet(name)),
  );
}

/** Static text and binary resources, a resource template, and the subscribable resource. */
function registerResources(server: McpServer, session: SessionState): void {
  server.registerResource(
    'static-text',
    'test://static-text',
    { title: 'Static text', description: 'A static text resource', mimeType: 'text/plain' },
    (uri) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: 'text/plain',
          text: 'This is the content of the static text resource.',
        },
      ],
    }),
  );

  server.registerResource(
    'static-binary',
    'test://static-binary',
    {
      title: 'Static binary',
      description: 'A static binary resource (PNG)',
      mimeType: 'image/png',
    },
    (uri) => ({ contents: [{ uri: uri.href, mimeType: 'image/png', blob: RED_PIXEL_PNG }] }),
  );

  server.registerResource(
    'template-data',
    new ResourceTemplate('test://template/{id}/data', {
      list: undefined,
      complete: { id: startingWith(['1', '2', '3', '42', '123']) },
    }),
    {
      title: 'Template data',
      description: 'JSON data for the given id',
      mimeType: 'application/json',
    },
    (uri, { id }) => {
      const value = Array.isArray(id) ? id.join(',') : id;
      return {
        contents: [
          {
            uri: uri.href,
            mimeType: 'application/json',
            text: JSON.stringify({ id: value, templateTest: true, data: `Data for ID: ${value}` }),
          },
        ],
      };
    },
  );

  server.registerResource(
    'watched-resource',
    WATCHED_URI,
    {
      title: 'Watched resource',
      description: `Subscribable; changes every ${WATCHED_UPDATE_MS / 1000} s while subscribed`,
      mimeType: 'text/plain',
    },
    (uri) => ({
      contents: [{ uri: uri.href, mimeType: 'text/plain', text: session.watchedContent }],
    }),
  );
}

/** Prompts without arguments, with (completable) arguments, and with resource or image content. */
function registerPrompts(server: McpServer): void {
  server.registerPrompt(
    'test_simple_prompt',
    { description: 'A simple prompt without arguments' },
    () => ({
      messages: [
        { role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } },
      ],
    }),
  );

  server.registerPrompt(
    'test_prompt_with_arguments',
    {
      description: 'A prompt with two required arguments',
      argsSchema: {
        arg1: completable(
          z.string().describe('First test argument'),
          startingWith(['hello', 'help', 'test', 'testing']),
        ),
        arg2: completable(
          z.string().describe('Second test argument'),
          startingWith(['world', 'wonder', 'test', 'testing']),
        ),
      },
    },
    ({ arg1, arg2 }) => ({
      messages: [
        {
          role: 'user',
          content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` },
        },
      ],
    }),
  );

  server.registerPrompt(
    'test_prompt_with_embedded_resource',
    {
      description: 'A prompt that embeds a resource',
      argsSchema: { resourceUri: z.string().describe('URI of the resource to embed') },
    },
    ({ resourceUri }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'resource',
            resource: {
              uri: resourceUri,
              mimeType: 'text/plain',
              text: 'Embedded resource content for testing.',
            },
          },
        },
        {
          role: 'user',
          content: { type: 'text', text: 'Please process the embedded resource above.' },
        },
      ],
    }),
  );

  server.registerPrompt(
    'test_prompt_with_image',
    { description: 'A prompt with image content' },
    () => ({
      messages: [
        { role: 'user', content: { type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' } },
        { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
      ],
    }),
  );
}

/**
 * Low-level handlers that `McpServer` has no API for: resource (un)subscription, and a
 * `logging/setLevel` that records the level for this session, so that tools can log on their own
 * request's stream (`extra.sendNotification`) and still honour it. It replaces the SDK's default
 * handler, which only filters `sendLoggingMessage()`.
 */
function registerSessionHandlers(server: McpServer, session: SessionState): void {
  server.server.setRequestHandler(SetLevelRequestSchema, ({ params }) => {
    session.setLogLevel(params.level);
    return {};
  });
  server.server.setRequestHandler(SubscribeRequestSchema, ({ params }) => {
    session.subscribe(params.uri);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, ({ params }) => {
    session.unsubscribe(params.uri);
    return {};
  });
}
