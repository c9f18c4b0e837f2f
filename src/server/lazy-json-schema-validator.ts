import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation';

/**
 * The SDK's Ajv validator, built on first use instead of with the server.
 *
 * An SDK `Server` (and so every `McpServer`) builds an Ajv instance as it is constructed, about
 * 0.2 ms of CPU and tens of kilobytes of heap, though it uses it only to check the answers to
 * elicitation requests. Servers are built per session, and again each time a session wakes from
 * hibernation, so pass this in the server's options to pay that cost only in the sessions that
 * elicit:
 *
 * ```ts
 * new McpServer(info, { jsonSchemaValidator: lazyJsonSchemaValidator() });
 * ```
 *
 * One per server: Ajv caches every schema it compiles, so a validator shared by all sessions
 * would keep growing.
 *
 * @publicApi
 */
export function lazyJsonSchemaValidator(): jsonSchemaValidator {
  let validator: AjvJsonSchemaValidator | undefined;
  return {
    getValidator: (schema) => (validator ??= new AjvJsonSchemaValidator()).getValidator(schema),
  };
}
