import type { PlatformRequest } from './platform-exchange.js';

interface AuthenticatedRequest {
  auth?: { clientId?: string; extra?: Record<string, unknown> };
  user?: unknown;
}

function identityOf(user: unknown): string | undefined {
  if (typeof user === 'string' && user !== '') return user;
  if (typeof user !== 'object' || user === null) return undefined;
  const record = user as Record<string, unknown>;
  for (const key of ['id', 'sub', 'username']) {
    const value = record[key];
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    // Object ids (such as MongoDB's ObjectId) identify by their own string form.
    if (
      typeof value === 'object' &&
      value !== null &&
      value.toString !== Object.prototype.toString
    ) {
      return String(value);
    }
  }
  return undefined;
}

/**
 * The default principal resolver: the SDK's `req.auth.clientId` (set by its bearer-auth
 * middleware), else a Passport-style `req.user` (a string, or its `id`, `sub` or `username`).
 * Read from the request guards see (on Fastify, the `FastifyRequest`). Anonymous requests have no
 * principal.
 */
export function resolveDefaultPrincipal(req: PlatformRequest): string | undefined {
  const { auth, user } = req as AuthenticatedRequest;
  if (typeof auth?.clientId === 'string' && auth.clientId !== '') return `client:${auth.clientId}`;
  const identity = identityOf(user);
  return identity === undefined ? undefined : `user:${identity}`;
}
