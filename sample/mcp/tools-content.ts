/**
 * Tools that return fixed content of each kind, an error, or take a JSON Schema 2020-12 input.
 * They behave the same in both eras.
 */
import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { RED_PIXEL_PNG, SILENT_WAV, text } from './fixtures.js';

/** A street address; advertised as `$defs.address` by `json_schema_2020_12_tool`. */
const AddressSchema = z.object({ street: z.string().optional(), city: z.string().optional() });

/**
 * Input of `json_schema_2020_12_tool` (SEP-1613): the 2020-12 keywords (`$schema`, `$defs`) come
 * from metadata; `address` is advertised as a bare `$ref` (its `unknown` input side emits nothing
 * else) while the pipe still validates its shape.
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

/** Registers the content tools. */
export function registerContentTools(server: McpServer): void {
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
