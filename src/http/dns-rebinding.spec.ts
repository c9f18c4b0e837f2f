import type { IncomingHttpHeaders } from 'node:http';
import type { McpSecurityOptions } from '../options/mcp-session-options.interface.js';
import { checkDnsRebinding, matchesAllowlist } from './dns-rebinding.js';
import { JsonRpcErrorCode } from './json-rpc-error.js';

const LOOPBACK_HOSTS = ['localhost:*', '127.0.0.1:*', '[::1]:*'];
const LOOPBACK_ORIGINS = [
  'http://localhost:*',
  'https://localhost:*',
  'http://127.0.0.1:*',
  'https://127.0.0.1:*',
  'http://[::1]:*',
  'https://[::1]:*',
];

function security(overrides: Partial<McpSecurityOptions> = {}): Required<McpSecurityOptions> {
  return {
    dnsRebindingProtection: true,
    allowedHosts: LOOPBACK_HOSTS,
    allowedOrigins: LOOPBACK_ORIGINS,
    ...overrides,
  };
}

function request(headers: Record<string, string | undefined>): IncomingHttpHeaders {
  return headers;
}

describe('matchesAllowlist', () => {
  it('matches an exact entry', () => {
    expect(matchesAllowlist('mcp.example.com', ['other.example.com', 'mcp.example.com'])).toBe(
      true,
    );
    expect(matchesAllowlist('mcp.example.com:8443', ['mcp.example.com:8443'])).toBe(true);
  });

  it('does not match a near miss of an exact entry', () => {
    expect(matchesAllowlist('mcp.example.com:8443', ['mcp.example.com'])).toBe(false);
    expect(matchesAllowlist('mcp.example.com', ['mcp.example.com:8443'])).toBe(false);
    expect(matchesAllowlist('mcp.example.co', ['mcp.example.com'])).toBe(false);
    expect(matchesAllowlist('x.mcp.example.com', ['mcp.example.com'])).toBe(false);
  });

  it('ignores case on both sides', () => {
    expect(matchesAllowlist('MCP.Example.COM', ['mcp.example.com'])).toBe(true);
    expect(matchesAllowlist('mcp.example.com', ['MCP.EXAMPLE.COM'])).toBe(true);
    expect(matchesAllowlist('LocalHost:3000', ['LOCALHOST:*'])).toBe(true);
    expect(matchesAllowlist('HTTP://LOCALHOST:3000', ['http://localhost:*'])).toBe(true);
  });

  it('matches nothing with an empty allowlist', () => {
    expect(matchesAllowlist('localhost', [])).toBe(false);
  });

  it.each(['localhost', 'localhost:0', 'localhost:3000', 'localhost:65535', 'localhost:00080'])(
    'lets host:* match %j',
    (value) => {
      expect(matchesAllowlist(value, ['localhost:*'])).toBe(true);
    },
  );

  it.each([
    'localhost.evil.com',
    'localhost.evil.com:3000',
    'localhostevil',
    'localhost:abc',
    'localhost:123456',
    'localhost:99999',
    'localhost:65536',
    'localhost:',
    'localhost:*',
    'localhost:80:80',
    'localhost:-1',
    'localhost: 80',
    'evil.localhost:80',
    'xlocalhost:80',
    '',
  ])('does not let host:* match %j', (value) => {
    expect(matchesAllowlist(value, ['localhost:*'])).toBe(false);
  });

  it('handles bracketed IPv6 hosts with a port wildcard', () => {
    expect(matchesAllowlist('[::1]', ['[::1]:*'])).toBe(true);
    expect(matchesAllowlist('[::1]:8080', ['[::1]:*'])).toBe(true);
    expect(matchesAllowlist('[::2]:8080', ['[::1]:*'])).toBe(false);
  });

  it('applies port wildcards to origins', () => {
    const origins = ['http://localhost:*'];

    expect(matchesAllowlist('http://localhost', origins)).toBe(true);
    expect(matchesAllowlist('http://localhost:5173', origins)).toBe(true);
    expect(matchesAllowlist('https://localhost:5173', origins)).toBe(false);
    expect(matchesAllowlist('http://localhost.evil.com', origins)).toBe(false);
    expect(matchesAllowlist('http://localhost:5173.evil.com', origins)).toBe(false);
    expect(matchesAllowlist('http://evil.com/http://localhost:1', origins)).toBe(false);
  });
});

describe('checkDnsRebinding', () => {
  it('lets a request with an allowed host and no Origin through', () => {
    expect(checkDnsRebinding(request({ host: 'localhost:3000' }), security())).toBeUndefined();
    expect(checkDnsRebinding(request({ host: '127.0.0.1' }), security())).toBeUndefined();
    expect(checkDnsRebinding(request({ host: '[::1]:8080' }), security())).toBeUndefined();
  });

  it('lets a request with an allowed host and an allowed origin through', () => {
    const req = request({ host: 'localhost:3000', origin: 'http://localhost:5173' });

    expect(checkDnsRebinding(req, security())).toBeUndefined();
  });

  it('answers 421 to a foreign host', () => {
    const error = checkDnsRebinding(request({ host: 'evil.example.com' }), security());

    expect(error).toEqual({
      status: 421,
      code: JsonRpcErrorCode.ServerError,
      message: expect.stringContaining('evil.example.com'),
      refusal: 'host',
    });
  });

  it('answers 421 to a host that only starts like an allowed one', () => {
    const error = checkDnsRebinding(request({ host: 'localhost.evil.com:3000' }), security());

    expect(error?.status).toBe(421);
  });

  it('answers 421 to a missing or empty Host header', () => {
    const missing = checkDnsRebinding(request({}), security());
    const empty = checkDnsRebinding(request({ host: '' }), security());

    expect(missing).toMatchObject({ status: 421, code: JsonRpcErrorCode.ServerError });
    expect(missing?.message).toContain('(none)');
    expect(empty?.status).toBe(421);
  });

  it('checks the host before the origin', () => {
    const error = checkDnsRebinding(
      request({ host: 'evil.example.com', origin: 'http://evil.example.com' }),
      security(),
    );

    expect(error?.status).toBe(421);
  });

  it('answers 403 to a foreign origin', () => {
    const error = checkDnsRebinding(
      request({ host: 'localhost:3000', origin: 'http://evil.example.com' }),
      security(),
    );

    expect(error).toEqual({
      status: 403,
      code: JsonRpcErrorCode.ServerError,
      message: expect.stringContaining('http://evil.example.com'),
      refusal: 'origin',
    });
  });

  it('refuses the "null" origin of sandboxed and file pages', () => {
    const error = checkDnsRebinding(request({ host: 'localhost', origin: 'null' }), security());

    expect(error?.status).toBe(403);
  });

  it('refuses an empty Origin header', () => {
    const error = checkDnsRebinding(request({ host: 'localhost', origin: '' }), security());

    expect(error?.status).toBe(403);
  });

  it('uses the configured lists', () => {
    const custom = security({
      allowedHosts: ['mcp.example.com'],
      allowedOrigins: ['https://app.example.com'],
    });

    expect(
      checkDnsRebinding(
        request({ host: 'MCP.example.com', origin: 'https://app.example.com' }),
        custom,
      ),
    ).toBeUndefined();
    expect(checkDnsRebinding(request({ host: 'localhost:3000' }), custom)?.status).toBe(421);
    expect(
      checkDnsRebinding(
        request({ host: 'mcp.example.com', origin: 'http://localhost:3000' }),
        custom,
      )?.status,
    ).toBe(403);
  });

  it('lets everything through when protection is off', () => {
    const off = security({ dnsRebindingProtection: false });

    expect(checkDnsRebinding(request({}), off)).toBeUndefined();
    expect(
      checkDnsRebinding(request({ host: 'evil.example.com', origin: 'null' }), off),
    ).toBeUndefined();
  });
});
