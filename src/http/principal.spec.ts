import type { IncomingMessage } from 'node:http';
import { resolveDefaultPrincipal } from './principal.js';

function request(fields: { auth?: unknown; user?: unknown }): IncomingMessage {
  return { headers: {}, ...fields } as unknown as IncomingMessage;
}

describe('resolveDefaultPrincipal', () => {
  it('uses req.auth.clientId, prefixed with client:', () => {
    expect(resolveDefaultPrincipal(request({ auth: { clientId: 'app-1' } }))).toBe('client:app-1');
  });

  it('prefers req.auth.clientId over req.user', () => {
    const req = request({ auth: { clientId: 'app-1' }, user: { id: 'u-1' } });

    expect(resolveDefaultPrincipal(req)).toBe('client:app-1');
  });

  it.each<[string, unknown]>([
    ['an empty clientId', { clientId: '' }],
    ['no clientId', { extra: { scope: 'x' } }],
    ['a numeric clientId', { clientId: 7 }],
    ['null auth', null],
  ])('falls back to req.user with %s', (_case, auth) => {
    expect(resolveDefaultPrincipal(request({ auth, user: 'alice' }))).toBe('user:alice');
  });

  it('uses req.user as a string, prefixed with user:', () => {
    expect(resolveDefaultPrincipal(request({ user: 'alice' }))).toBe('user:alice');
  });

  it("uses req.user's string id", () => {
    expect(resolveDefaultPrincipal(request({ user: { id: 'u-42', name: 'Alice' } }))).toBe(
      'user:u-42',
    );
  });

  it('treats a NaN id as no id', () => {
    expect(resolveDefaultPrincipal(request({ user: { id: Number.NaN } }))).toBeUndefined();
  });

  it('uses the string form of an object id, such as a database ObjectId', () => {
    class ObjectIdLike {
      toString() {
        return '65f0c0ffee';
      }
    }
    expect(resolveDefaultPrincipal(request({ user: { id: new ObjectIdLike() } }))).toBe(
      'user:65f0c0ffee',
    );
    expect(resolveDefaultPrincipal(request({ user: { id: {} } }))).toBeUndefined();
  });

  it("uses req.user's numeric id, including 0", () => {
    expect(resolveDefaultPrincipal(request({ user: { id: 42 } }))).toBe('user:42');
    expect(resolveDefaultPrincipal(request({ user: { id: 0 } }))).toBe('user:0');
  });

  it("uses req.user's sub when there is no id", () => {
    expect(resolveDefaultPrincipal(request({ user: { sub: 'oidc|123' } }))).toBe('user:oidc|123');
  });

  it("uses req.user's username when there is no id nor sub", () => {
    expect(resolveDefaultPrincipal(request({ user: { username: 'alice' } }))).toBe('user:alice');
  });

  it('prefers id over sub over username', () => {
    expect(resolveDefaultPrincipal(request({ user: { username: 'c', sub: 'b', id: 'a' } }))).toBe(
      'user:a',
    );
    expect(resolveDefaultPrincipal(request({ user: { username: 'c', sub: 'b' } }))).toBe('user:b');
  });

  it('skips empty strings and unusable values for the next field', () => {
    expect(resolveDefaultPrincipal(request({ user: { id: '', sub: 'b' } }))).toBe('user:b');
    expect(resolveDefaultPrincipal(request({ user: { id: null, sub: '', username: 'c' } }))).toBe(
      'user:c',
    );
    expect(resolveDefaultPrincipal(request({ user: { id: { nested: 1 }, username: 'c' } }))).toBe(
      'user:c',
    );
  });

  it.each<[string, { auth?: unknown; user?: unknown }]>([
    ['no auth and no user', {}],
    ['an empty user string', { user: '' }],
    ['a null user', { user: null }],
    ['a user without identity', { user: { name: 'Alice' } }],
    ['a user with only empty identities', { user: { id: '', sub: '', username: '' } }],
    ['a boolean user', { user: true }],
    ['a numeric user', { user: 42 }],
    ['an empty clientId and no user', { auth: { clientId: '' } }],
  ])('is undefined (anonymous) with %s', (_case, fields) => {
    expect(resolveDefaultPrincipal(request(fields))).toBeUndefined();
  });

  it('keeps clients and users with the same name apart', () => {
    const client = resolveDefaultPrincipal(request({ auth: { clientId: 'x' } }));
    const user = resolveDefaultPrincipal(request({ user: 'x' }));

    expect(client).not.toBe(user);
  });
});
