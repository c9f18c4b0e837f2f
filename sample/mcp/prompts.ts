/** Prompts without arguments, with (completable) arguments, and with resource or image content. */
import { completable, type McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { RED_PIXEL_PNG, startingWith } from './fixtures.js';

// Argument schemas are built once, not for every server: a 2026-07-28 request gets a server of
// its own.
const ArgumentsPromptArgs = z.object({
  arg1: completable(
    z.string().describe('First test argument'),
    startingWith(['hello', 'help', 'test', 'testing']),
  ),
  arg2: completable(
    z.string().describe('Second test argument'),
    startingWith(['world', 'wonder', 'test', 'testing']),
  ),
});
const EmbeddedResourcePromptArgs = z.object({
  resourceUri: z.string().describe('URI of the resource to embed'),
});

/** Registers the prompts. */
export function registerPrompts(server: McpServer): void {
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
      argsSchema: ArgumentsPromptArgs,
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
      argsSchema: EmbeddedResourcePromptArgs,
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
