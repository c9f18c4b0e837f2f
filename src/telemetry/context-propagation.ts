import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Whether this runtime carries an active context across `await` without process-wide cost: true
 * where `AsyncLocalStorage` runs on async context frames (Node.js 24 and later by default, or
 * `--experimental-async-context-frame`), false where it runs on async hooks, whose promise hooks,
 * once the first context is made active, tax every promise of the process (measured: a third
 * more CPU per MCP request on Node.js 22). The hooks-based implementation is the one with
 * `_propagate`.
 */
export const ASYNC_CONTEXT_IS_CHEAP = !('_propagate' in AsyncLocalStorage.prototype);
