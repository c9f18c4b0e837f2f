/**
 * Multi-round-trip tools and a prompt (SEP-2322, the 2026-07-28 `input_required` results), as the
 * conformance suite's `input-required-result-*` scenarios expect them: each first answers with
 * the input it needs, and completes when the client retries with the answers. State that must
 * survive between rounds travels in `requestState`, sealed with the module's codec so that any
 * replica accepts it and a tampered one is refused (`-32602`, before the handler runs). On a
 * 2025-era session the SDK fulfils the same rounds itself.
 */
import {
  inputRequired,
  inputResponse,
  type ClientCapabilities,
  type InputRequests,
  type McpServer,
  type ServerContext,
} from '@modelcontextprotocol/server';
import type { EverythingContext } from './everything-context.js';
import { text } from './fixtures.js';

/** What the tools seal into `requestState`: the tool it belongs to, and what it has learnt. */
interface SealedState {
  tool: string;
  round: number;
  name?: string;
}

/** The verified state of this round, if it was minted for `tool` (state of another is ignored). */
function stateOf(ctx: ServerContext, tool: string): SealedState | undefined {
  const state = ctx.mcpReq.requestState<SealedState>();
  return typeof state === 'object' && state?.tool === tool ? state : undefined;
}

/** Accepted form content for `key`, when the retry carries an accepted elicitation for it. */
function accepted(ctx: ServerContext, key: string): Record<string, unknown> | undefined {
  const answer = inputResponse(ctx.mcpReq.inputResponses, key);
  return answer.kind === 'elicit' && answer.action === 'accept'
    ? (answer.content ?? {})
    : undefined;
}

/** A form asking for one string field. */
function askFor(message: string, field: string): InputRequests[string] {
  return inputRequired.elicit({
    message,
    requestedSchema: {
      type: 'object',
      properties: { [field]: { type: 'string' } },
      required: [field],
    },
  });
}

/** A yes/no confirmation form. */
const CONFIRM = inputRequired.elicit({
  message: 'Please confirm',
  requestedSchema: {
    type: 'object',
    properties: { ok: { type: 'boolean' } },
    required: ['ok'],
  },
});

/** A question for the client's LLM. */
const CAPITAL_QUESTION = inputRequired.createMessage({
  messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }],
  maxTokens: 100,
});

/** Registers the multi-round-trip tools and prompt. */
export function registerInputRequiredTools(server: McpServer, context: EverythingContext): void {
  const seal = (state: SealedState, ctx: ServerContext): Promise<string> =>
    context.requestState.mint(state, ctx);

  server.registerTool(
    'test_input_required_result_elicitation',
    { description: 'Asks for a name (input_required elicitation), then greets' },
    (ctx) => {
      const answer = accepted(ctx, 'user_name');
      if (typeof answer?.name !== 'string') {
        return inputRequired({
          inputRequests: { user_name: askFor('What is your name?', 'name') },
        });
      }
      return text(`Hello, ${answer.name}!`);
    },
  );

  server.registerTool(
    'test_input_required_result_sampling',
    { description: 'Asks the client for a completion (input_required sampling)' },
    (ctx) => {
      const answer = inputResponse(ctx.mcpReq.inputResponses, 'capital_question');
      if (answer.kind !== 'sampling') {
        return inputRequired({ inputRequests: { capital_question: CAPITAL_QUESTION } });
      }
      const [content] = [answer.result.content].flat();
      return text(`The client answered: ${content?.type === 'text' ? content.text : '[non-text]'}`);
    },
  );

  server.registerTool(
    'test_input_required_result_list_roots',
    { description: "Asks for the client's roots (input_required roots/list)" },
    (ctx) => {
      const answer = inputResponse(ctx.mcpReq.inputResponses, 'client_roots');
      if (answer.kind !== 'roots') {
        return inputRequired({ inputRequests: { client_roots: inputRequired.listRoots() } });
      }
      return text(`Client roots: ${answer.roots.map((root) => root.uri).join(', ') || '(none)'}`);
    },
  );

  const requestStateTool = 'test_input_required_result_request_state';
  server.registerTool(
    requestStateTool,
    { description: 'Asks for a confirmation with sealed requestState; checks it on the retry' },
    async (ctx) => {
      if (stateOf(ctx, requestStateTool) && accepted(ctx, 'confirm')) {
        return text('state-ok: the requestState came back intact and verified');
      }
      return inputRequired({
        inputRequests: { confirm: CONFIRM },
        requestState: await seal({ tool: requestStateTool, round: 1 }, ctx),
      });
    },
  );

  const multipleTool = 'test_input_required_result_multiple_inputs';
  server.registerTool(
    multipleTool,
    { description: 'Asks for a form, a completion and the roots at once' },
    async (ctx) => {
      const wanted: InputRequests = {
        user_name: askFor('What is your name?', 'name'),
        greeting: inputRequired.createMessage({
          messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }],
          maxTokens: 50,
        }),
        client_roots: inputRequired.listRoots(),
      };
      const responses = ctx.mcpReq.inputResponses;
      const missing = Object.fromEntries(
        Object.entries(wanted).filter(([key]) => inputResponse(responses, key).kind === 'missing'),
      );
      if (stateOf(ctx, multipleTool) && Object.keys(missing).length === 0) {
        return text(`All inputs received for ${String(accepted(ctx, 'user_name')?.name)}`);
      }
      return inputRequired({
        inputRequests: stateOf(ctx, multipleTool) ? missing : wanted,
        requestState: await seal({ tool: multipleTool, round: 1 }, ctx),
      });
    },
  );

  const multiRoundTool = 'test_input_required_result_multi_round';
  server.registerTool(
    multiRoundTool,
    { description: 'Asks for a name, then a colour, carrying the name in requestState' },
    async (ctx) => {
      const state = stateOf(ctx, multiRoundTool);
      const name = accepted(ctx, 'step1')?.name;
      const color = accepted(ctx, 'step2')?.color;
      if (state?.round === 2 && typeof color === 'string') {
        return text(`${state.name}'s favourite colour is ${color}`);
      }
      if (state?.round === 1 && typeof name === 'string') {
        return inputRequired({
          inputRequests: { step2: askFor('Step 2: What is your favorite color?', 'color') },
          requestState: await seal({ tool: multiRoundTool, round: 2, name }, ctx),
        });
      }
      return inputRequired({
        inputRequests: { step1: askFor('Step 1: What is your name?', 'name') },
        requestState: await seal({ tool: multiRoundTool, round: 1 }, ctx),
      });
    },
  );

  const tamperedTool = 'test_input_required_result_tampered_state';
  server.registerTool(
    tamperedTool,
    { description: 'Seals its requestState; a tampered one is refused with -32602' },
    async (ctx) => {
      if (stateOf(ctx, tamperedTool) && accepted(ctx, 'confirm')) {
        return text('state-ok: the sealed requestState verified');
      }
      return inputRequired({
        inputRequests: { confirm: CONFIRM },
        requestState: await seal({ tool: tamperedTool, round: 1 }, ctx),
      });
    },
  );

  server.registerTool(
    'test_input_required_result_capabilities',
    { description: 'Asks only for the kinds of input the client declared it can give' },
    (ctx) => {
      const declared: ClientCapabilities = server.server.getClientCapabilities() ?? {};
      const answered = (key: string) =>
        inputResponse(ctx.mcpReq.inputResponses, key).kind !== 'missing';
      const wanted: InputRequests = {};
      if (declared.elicitation && !answered('user_name')) {
        wanted.user_name = askFor('What is your name?', 'name');
      }
      if (declared.sampling && !answered('capital_question')) {
        wanted.capital_question = CAPITAL_QUESTION;
      }
      if (declared.roots && !answered('client_roots')) {
        wanted.client_roots = inputRequired.listRoots();
      }
      if (Object.keys(wanted).length > 0) return inputRequired({ inputRequests: wanted });
      return text('Every input the client can give has been received');
    },
  );

  server.registerPrompt(
    'test_input_required_result_prompt',
    { description: 'A prompt that first asks the user for its context (input_required)' },
    (ctx) => {
      const userContext = accepted(ctx, 'user_context')?.context;
      if (typeof userContext !== 'string') {
        return inputRequired({
          inputRequests: {
            user_context: askFor('What context should the prompt use?', 'context'),
          },
        });
      }
      return {
        messages: [
          { role: 'user', content: { type: 'text', text: `Use this context: ${userContext}` } },
        ],
      };
    },
  );
}
