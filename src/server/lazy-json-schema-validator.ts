/** What an SDK server asks of its `jsonSchemaValidator` option (either SDK line). */
export interface JsonSchemaValidatorProvider {
  getValidator(
    schema: never,
  ): (input: unknown) => { valid: boolean; data?: unknown; errorMessage?: string };
}

/**
 * An SDK JSON Schema validator, built on first use instead of with the server.
 *
 * An SDK `Server` (and so every `McpServer`), of either SDK line, builds an Ajv instance as it is
 * constructed, about 0.2 ms of CPU and tens of kilobytes of heap, though it uses it only to check
 * the answers to elicitation requests. Servers are built per session, per 2026-07-28 request, and
 * again each time a session wakes from hibernation, so pass this in the server's options to pay
 * that cost only where a server elicits. `create` builds the SDK's validator:
 *
 * ```ts
 * import { AjvJsonSchemaValidator } from '@modelcontextprotocol/server/validators/ajv';
 * // SDK v1: import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
 *
 * new McpServer(info, {
 *   jsonSchemaValidator: lazyJsonSchemaValidator(() => new AjvJsonSchemaValidator()),
 * });
 * ```
 *
 * One per server: Ajv caches every schema it compiles, so a validator shared by all sessions
 * would keep growing.
 *
 * @publicApi
 */
export function lazyJsonSchemaValidator<V extends JsonSchemaValidatorProvider>(create: () => V): V {
  let validator: V | undefined;
  return {
    getValidator: (schema: never) => (validator ??= create()).getValidator(schema),
  } as V;
}
