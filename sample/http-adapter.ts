import { FastifyAdapter } from '@nestjs/platform-fastify';

/** The HTTP platforms the sample runs on, chosen with `MCP_HTTP_ADAPTER`. */
const HTTP_ADAPTERS = ['express', 'fastify'] as const;

/**
 * The HTTP adapter named by `value` (`MCP_HTTP_ADAPTER`): `undefined` for Express, Nest's
 * default, or a `FastifyAdapter`. Nothing else in the sample differs between the two.
 */
export function httpAdapterFrom(value: string | undefined): FastifyAdapter | undefined {
  if (value === undefined || value === '' || value === 'express') return undefined;
  if (value === 'fastify') return new FastifyAdapter();
  throw new Error(
    `MCP_HTTP_ADAPTER must be one of ${HTTP_ADAPTERS.map((name) => `"${name}"`).join(', ')}, got "${value}"`,
  );
}
