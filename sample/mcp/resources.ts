/**
 * Static text and binary resources, a resource template with completion, and — on a 2025-era
 * session — the subscribable resource that changes while it is watched.
 */
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/server';
import { RED_PIXEL_PNG, startingWith } from './fixtures.js';
import { WATCHED_UPDATE_MS, WATCHED_URI, type LegacySession } from './legacy-session.js';

/** Registers the resources; the watched one only when there is a session to watch it. */
export function registerResources(server: McpServer, session: LegacySession | undefined): void {
  server.registerResource(
    'static-text',
    'test://static-text',
    { title: 'Static text', description: 'A static text resource', mimeType: 'text/plain' },
    (uri) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: 'text/plain',
          text: 'This is the content of the static text resource.',
        },
      ],
    }),
  );

  server.registerResource(
    'static-binary',
    'test://static-binary',
    {
      title: 'Static binary',
      description: 'A static binary resource (PNG)',
      mimeType: 'image/png',
    },
    (uri) => ({ contents: [{ uri: uri.href, mimeType: 'image/png', blob: RED_PIXEL_PNG }] }),
  );

  server.registerResource(
    'template-data',
    new ResourceTemplate('test://template/{id}/data', {
      list: undefined,
      complete: { id: startingWith(['1', '2', '3', '42', '123']) },
    }),
    {
      title: 'Template data',
      description: 'JSON data for the given id',
      mimeType: 'application/json',
    },
    (uri, { id }) => {
      const value = Array.isArray(id) ? id.join(',') : id;
      return {
        contents: [
          {
            uri: uri.href,
            mimeType: 'application/json',
            text: JSON.stringify({ id: value, templateTest: true, data: `Data for ID: ${value}` }),
          },
        ],
      };
    },
  );

  if (!session) return;
  server.registerResource(
    'watched-resource',
    WATCHED_URI,
    {
      title: 'Watched resource',
      description: `Subscribable; changes every ${WATCHED_UPDATE_MS / 1000} s while subscribed`,
      mimeType: 'text/plain',
    },
    (uri) => ({
      contents: [{ uri: uri.href, mimeType: 'text/plain', text: session.watchedContent }],
    }),
  );
}
