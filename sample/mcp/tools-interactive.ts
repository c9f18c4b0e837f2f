/**
 * Tools that talk back to the client while they run: logs, progress, sampling, elicitation and
 * a stream closed mid-call. Sampling and elicitation are written once, as multi-round-trip
 * handlers: a 2026-07-28 client receives an `input_required` result and retries with the answer;
 * on a 2025-era session the SDK sends the embedded request to the client itself and calls the
 * handler again with the response.
 */
import { setTimeout as delay } from 'node:timers/promises';
import {
  inputRequired,
  inputResponse,
  type CallToolResult,
  type ElicitRequestFormParams,
  type InputRequiredResult,
  type McpServer,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import { log, reportProgress, type EverythingContext } from './everything-context.js';
import { text } from './fixtures.js';

/** The key of the one embedded request these tools make. */
const ANSWER = 'answer';

// Built once, not for every server: a 2026-07-28 request gets a server of its own.
const SamplingInput = z.object({ prompt: z.string().describe('The prompt to send to the LLM') });
const ElicitationInput = z.object({
  message: z.string().describe('The message to show the user'),
});

/**
 * Asks the client to fill in a form: the first call returns the `input_required` result, the
 * retry carrying the answer yields `onAnswer`'s result.
 */
function elicitThen(
  ctx: ServerContext,
  params: ElicitRequestFormParams,
  onAnswer: (summary: string) => CallToolResult,
): CallToolResult | InputRequiredResult {
  const answer = inputResponse(ctx.mcpReq.inputResponses, ANSWER);
  if (answer.kind !== 'elicit') {
    return inputRequired({ inputRequests: { [ANSWER]: inputRequired.elicit(params) } });
  }
  return onAnswer(`action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`);
}

/** Registers the interactive tools. */
export function registerInteractiveTools(server: McpServer, context: EverythingContext): void {
  server.registerTool(
    'test_tool_with_logging',
    { description: 'Sends three info log messages while it runs' },
    async (ctx) => {
      const signal = ctx.mcpReq.signal;
      await log(context, ctx, 'info', 'Tool execution started');
      await delay(50, undefined, { signal });
      await log(context, ctx, 'info', 'Tool processing data');
      await delay(50, undefined, { signal });
      await log(context, ctx, 'info', 'Tool execution completed');
      return text('Tool with logging executed successfully');
    },
  );

  server.registerTool(
    'test_tool_with_progress',
    { description: 'Reports progress 0, 50 and 100 of 100 when given a progress token' },
    async (ctx) => {
      const signal = ctx.mcpReq.signal;
      await reportProgress(ctx, 0, 100);
      await delay(50, undefined, { signal });
      await reportProgress(ctx, 50, 100);
      await delay(50, undefined, { signal });
      await reportProgress(ctx, 100, 100);
      return text('Tool with progress executed successfully');
    },
  );

  server.registerTool(
    'test_sampling',
    {
      description: 'Asks the client for an LLM completion (sampling/createMessage)',
      inputSchema: SamplingInput,
    },
    ({ prompt }, ctx) => {
      const answer = inputResponse(ctx.mcpReq.inputResponses, ANSWER);
      if (answer.kind !== 'sampling') {
        return inputRequired({
          inputRequests: {
            [ANSWER]: inputRequired.createMessage({
              messages: [{ role: 'user', content: { type: 'text', text: prompt } }],
              maxTokens: 100,
            }),
          },
        });
      }
      const [content] = [answer.result.content].flat();
      return text(
        `LLM response: ${content?.type === 'text' ? content.text : `[${content?.type}]`}`,
      );
    },
  );

  server.registerTool(
    'test_elicitation',
    {
      description: 'Asks the user for a username and an email (elicitation/create)',
      inputSchema: ElicitationInput,
    },
    ({ message }, ctx) =>
      elicitThen(
        ctx,
        {
          message,
          requestedSchema: {
            type: 'object',
            properties: {
              username: { type: 'string', description: "User's response" },
              email: { type: 'string', description: "User's email address" },
            },
            required: ['username', 'email'],
          },
        },
        (summary) => text(`User response: ${summary}`),
      ),
  );

  server.registerTool(
    'test_elicitation_sep1034_defaults',
    { description: 'Elicits every primitive type with a default value (SEP-1034)' },
    (ctx) =>
      elicitThen(
        ctx,
        {
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
        },
        (summary) => text(`Elicitation completed: ${summary}`),
      ),
  );

  server.registerTool(
    'test_elicitation_sep1330_enums',
    {
      description: 'Elicits every enum variant: (un)titled, single/multi-select, legacy (SEP-1330)',
    },
    (ctx) =>
      elicitThen(
        ctx,
        {
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
        },
        (summary) => text(`Elicitation completed: ${summary}`),
      ),
  );

  server.registerTool(
    'test_reconnection',
    {
      description:
        'Closes its SSE stream mid-call; the result arrives after the client reconnects (SEP-1699)',
    },
    async (ctx) => {
      // Available on a 2025-era session whose transport has an event store. Otherwise the result
      // simply arrives on the open stream.
      ctx.http?.closeSSE?.();
      await delay(100, undefined, { signal: ctx.mcpReq.signal });
      return text('Reconnection test completed: the result arrived after the stream was closed.');
    },
  );
}
