/**
 * Diagnostic tools the conformance suite's 2026-07-28 scenarios call: one that needs a client
 * capability, one whose answer is an `input_required` result, one that logs, two hooks that
 * announce a change of the tool or prompt list to listening clients, and one whose argument is
 * also sent as an HTTP header (SEP-2243).
 */
import { inputRequired, inputResponse, type McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { log, type EverythingContext } from './everything-context.js';
import { text } from './fixtures.js';

/** Built once, not for every server: a 2026-07-28 request gets a server of its own. */
const HeaderParamInput = z.object({ region: z.string().meta({ 'x-mcp-header': 'Region' }) });

/** Registers the diagnostic tools. */
export function registerDiagnosticTools(server: McpServer, context: EverythingContext): void {
  // Asks for a completion: a client that did not declare `sampling` gets -32021 (HTTP 400) with
  // `requiredCapabilities: { sampling: {} }`, which the SDK answers before anything is sent.
  server.registerTool(
    'test_missing_capability',
    { description: 'Needs the sampling capability; refused with -32021 without it' },
    (ctx) => {
      if (inputResponse(ctx.mcpReq.inputResponses, 'completion').kind === 'sampling') {
        return text('The client can sample');
      }
      return inputRequired({
        inputRequests: {
          completion: inputRequired.createMessage({
            messages: [{ role: 'user', content: { type: 'text', text: 'Say hello' } }],
            maxTokens: 20,
          }),
        },
      });
    },
  );

  // On the 2026-07-28 wire the request's stream carries an `input_required` result, never a
  // server-to-client request.
  server.registerTool(
    'test_streaming_elicitation',
    { description: 'Asks for a confirmation; the answer stream holds no server request' },
    (ctx) => {
      if (inputResponse(ctx.mcpReq.inputResponses, 'confirm').kind === 'elicit') {
        return text('Confirmed');
      }
      return inputRequired({
        inputRequests: {
          confirm: inputRequired.elicit({
            message: 'Continue?',
            requestedSchema: {
              type: 'object',
              properties: { ok: { type: 'boolean' } },
              required: ['ok'],
            },
          }),
        },
      });
    },
  );

  server.registerTool(
    'test_logging_tool',
    { description: 'Logs twice; a 2026-07-28 request sees logs only when it set _meta logLevel' },
    async (ctx) => {
      await log(context, ctx, 'info', 'Logging tool started');
      await log(context, ctx, 'info', 'Logging tool finished');
      return text('Logging tool done');
    },
  );

  server.registerTool(
    'test_trigger_tool_change',
    { description: 'Tells listening clients that the tool list changed' },
    () => {
      if (context.era === 'legacy') server.sendToolListChanged();
      else context.notify?.toolsChanged();
      return text('tools/list_changed sent');
    },
  );

  server.registerTool(
    'test_trigger_prompt_change',
    { description: 'Tells listening clients that the prompt list changed' },
    () => {
      if (context.era === 'legacy') server.sendPromptListChanged();
      else context.notify?.promptsChanged();
      return text('prompts/list_changed sent');
    },
  );

  // A 2026-07-28 client repeats `region` in an `Mcp-Param-Region` header (Base64-wrapped when it
  // is not plain ASCII), so that intermediaries can route on it; the SDK checks that both agree.
  server.registerTool(
    'test_header_param',
    {
      description: 'Echoes its region, which 2026-07-28 clients also send as Mcp-Param-Region',
      inputSchema: HeaderParamInput,
    },
    ({ region }) => text(`region: ${region}`),
  );
}
