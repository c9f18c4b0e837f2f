/**
 * The side channel between the harness and a server under test: an IPC channel (the server is
 * spawned with one). The server announces where it listens; the harness calls named commands,
 * such as `memory` (registered by the preload probe) or `sweep` (the reaper host). Nothing of it
 * is part of the MCP endpoint.
 */

/** A message from the harness. */
export interface CallMessage {
  type: 'call';
  id: number;
  command: string;
  args?: unknown;
}

/** A message from the server. */
export type ServerMessage =
  | { type: 'ready'; url: string }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: string };

type Handler = (args: unknown) => unknown;

const handlers = new Map<string, Handler>();
let listening = false;

function send(message: ServerMessage): void {
  process.send?.(message);
}

function listen(): void {
  if (listening || !process.send) return;
  listening = true;
  process.on('message', (raw: unknown) => {
    const message = raw as Partial<CallMessage>;
    if (message?.type !== 'call' || typeof message.id !== 'number') return;
    const { id, command = '', args } = message;
    const handler = handlers.get(command);
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown command "${command}"`);
        return handler(args);
      })
      .then(
        (value) => send({ type: 'reply', id, ok: true, value }),
        (error: unknown) =>
          send({ type: 'reply', id, ok: false, error: (error as Error)?.stack ?? String(error) }),
      );
  });
  // The harness went away (it ended, crashed or was killed): a server never outlives it.
  process.on('disconnect', () => process.exit(0));
}

/** Makes `command` callable from the harness. */
export function registerCommand(command: string, handler: Handler): void {
  handlers.set(command, handler);
  listen();
}

/** Tells the harness that the server is listening at `url`. */
export function announceReady(url: string): void {
  listen();
  send({ type: 'ready', url });
}
