/** The sample's own tools, outside the conformance suite: `echo`, `sleep` and `greet`. */
import { setTimeout as delay } from 'node:timers/promises';
import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { GreetingService } from '../greeting.service.js';
import { reportProgress } from './everything-context.js';
import { text } from './fixtures.js';

/** Longest wait the `sleep` tool accepts (10 minutes). */
const MAX_SLEEP_MS = 600_000;
/** How often `sleep` reports progress. */
const SLEEP_PROGRESS_MS = 250;

// Input schemas are built once, not for every server: a 2026-07-28 request gets a server of its own.
const EchoInput = z.object({ text: z.string() });
const SleepInput = z.object({
  ms: z.number().int().min(0).max(MAX_SLEEP_MS).describe('How long to wait, in milliseconds'),
});
const GreetInput = z.object({ name: z.string().describe('Who to greet') });

/** Registers the demo tools; `greet` uses the injected Nest service. */
export function registerDemoTools(server: McpServer, greetings: GreetingService): void {
  server.registerTool(
    'echo',
    { description: 'Returns the given text', inputSchema: EchoInput },
    ({ text: value }) => text(value),
  );

  server.registerTool(
    'sleep',
    {
      description: `Waits the given time; reports progress every ${SLEEP_PROGRESS_MS} ms when asked`,
      inputSchema: SleepInput,
    },
    async ({ ms }, ctx) => {
      const started = Date.now();
      const ticker =
        ctx.mcpReq._meta?.progressToken === undefined
          ? undefined
          : setInterval(() => {
              const elapsed = Math.min(Date.now() - started, ms);
              reportProgress(ctx, elapsed, ms).catch(() => {
                // A lost progress notification must not fail the call.
              });
            }, SLEEP_PROGRESS_MS);
      try {
        // Rejects with an AbortError, and clears its timer, when the request is cancelled.
        await delay(ms, undefined, { signal: ctx.mcpReq.signal });
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
      inputSchema: GreetInput,
    },
    ({ name }) => text(greetings.greet(name)),
  );
}
