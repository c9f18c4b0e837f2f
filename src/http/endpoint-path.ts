import type { ModuleRef } from '@nestjs/core';

interface ApplicationConfigHolder {
  container?: { applicationConfig?: { getGlobalPrefix(): string } };
}

/** A request path as the endpoint compares it: leading slash, no trailing one, lower case. */
export function normalizePath(path: string): string {
  const trimmed = path.replace(/\/+$/, '').toLowerCase();
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/** The path of the MCP endpoint: the global prefix, then the module's `path`. */
export function endpointPath(globalPrefix: string, path: string): string {
  return normalizePath(`/${globalPrefix}/${path}`.replace(/\/+/g, '/'));
}

/**
 * The application's global prefix. NestJS has no public API for it outside the application
 * object, so it is read from the container; an end-to-end test covers it.
 */
export function globalPrefixOf(moduleRef: ModuleRef): string {
  const holder = moduleRef as unknown as ApplicationConfigHolder;
  return holder.container?.applicationConfig?.getGlobalPrefix() ?? '';
}
