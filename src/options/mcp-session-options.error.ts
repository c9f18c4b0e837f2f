/**
 * Thrown at bootstrap for an option that cannot work; the message names the option and the fix.
 *
 * @publicApi
 */
export class McpSessionOptionsError extends Error {
  constructor(option: string, problem: string, fix: string) {
    super(`McpSessionModule option "${option}" ${problem}. ${fix}`);
    this.name = 'McpSessionOptionsError';
  }
}
