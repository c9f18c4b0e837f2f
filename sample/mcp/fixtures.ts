/**
 * Fixed content and small helpers shared by the tools, resources and prompts of the sample's
 * SDK v2 everything server.
 */
import type { CallToolResult } from '@modelcontextprotocol/server';

/** A 1×1 red pixel, PNG. */
export const RED_PIXEL_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC';

/** One millisecond of silence: 8 kHz, mono, 8-bit PCM WAV. */
export const SILENT_WAV =
  'UklGRiwAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQgAAACAgICAgICAgA==';

/** The `logger` name in `notifications/message`. */
export const LOGGER = 'everything-server';

/** A tool result made of one text block. */
export function text(value: string): CallToolResult {
  return { content: [{ type: 'text', text: value }] };
}

/** A completion callback that offers the `options` starting with what the user typed. */
export function startingWith(options: readonly string[]): (value: string | undefined) => string[] {
  return (value) => options.filter((option) => option.startsWith(value ?? ''));
}
