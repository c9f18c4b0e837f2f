/**
 * Tools that return fixed content of each kind, an error, or take a JSON Schema 2020-12 input.
 * They behave the same in both eras.
 */
import { fromJsonSchema, type McpServer } from '@modelcontextprotocol/server';
import { RED_PIXEL_PNG, SILENT_WAV, text } from './fixtures.js';

/**
 * Input of `json_schema_2020_12_tool` (SEP-1613, SEP-2106): a JSON Schema 2020-12 document with
 * `$defs` and an `$anchor`, composition (`allOf`/`anyOf`), a conditional (`if`/`then`/`else`) and
 * `additionalProperties`, advertised as written and enforced by the SDK's validator. Compiled
 * once, when the module loads, not per server.
 */
const JsonSchema2020Input = fromJsonSchema<Record<string, unknown>>({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  $defs: {
    address: {
      $anchor: 'postalAddress',
      type: 'object',
      properties: { street: { type: 'string' }, city: { type: 'string' } },
    },
  },
  properties: {
    name: { type: 'string' },
    address: { $ref: '#/$defs/address' },
    contactMethod: { type: 'string', enum: ['phone', 'email'] },
    phone: { type: 'string' },
    email: { type: 'string' },
  },
  // Some way to reach the person; the one they prefer, if they say which.
  allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
  if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
  then: { required: ['phone'] },
  else: { required: ['email'] },
  additionalProperties: false,
});

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
      description:
        'Tool with JSON Schema 2020-12 features ($schema, $defs, $anchor, allOf, if/then/else, additionalProperties)',
      inputSchema: JsonSchema2020Input,
    },
    (args) => text(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`),
  );
}
