import { Logger } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import type { McpSessionModuleOptions } from '../src/index.js';

function list(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

function bool(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new Error(`${name} must be "true" or "false", got "${value}"`);
}

function num(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new Error(`${name} must be a number, got "${value}"`);
  return parsed;
}

function eventStore(value: string | undefined): McpSessionModuleOptions['eventStore'] {
  if (value === undefined || value === '') return undefined;
  if (value === 'memory' || value === 'none' || value === 'redis') return value;
  throw new Error(`MCP_EVENT_STORE must be "memory", "redis" or "none", got "${value}"`);
}

function sessionStore(value: string | undefined): McpSessionModuleOptions['sessionStore'] {
  if (value === undefined || value === '') return undefined;
  if (value === 'memory' || value === 'redis') return value;
  throw new Error(`MCP_SESSION_STORE must be "memory" or "redis", got "${value}"`);
}

/**
 * The key of `input_required` request state that replicas of the sample share when
 * `MCP_REQUEST_STATE_KEY` is not set: good for trying replicas out on one machine, never for a
 * deployment, where every replica must get the same secret from its environment.
 */
const SAMPLE_REQUEST_STATE_KEY = 'nestjs-mcp-session sample key: set MCP_REQUEST_STATE_KEY';

function requestStateKey(
  value: string | undefined,
  store: McpSessionModuleOptions['sessionStore'],
): string | undefined {
  if (value) return value;
  if (store !== 'redis') return undefined;
  new Logger('Sample').warn(
    'MCP_REQUEST_STATE_KEY is not set: the replicas share the sample key. Set a secret of your own in production.',
  );
  return SAMPLE_REQUEST_STATE_KEY;
}

function protocol(value: string | undefined): McpSessionModuleOptions['protocol'] {
  if (value === undefined || value === '') return undefined;
  if (value === 'dual' || value === 'legacy-only' || value === 'modern-only') return value;
  throw new Error(`MCP_PROTOCOL must be "dual", "legacy-only" or "modern-only", got "${value}"`);
}

function transport(value: string | undefined): McpSessionModuleOptions['transport'] {
  if (value === undefined || value === '') return undefined;
  if (value === 'sdk' || value === 'native') return value;
  throw new Error(`MCP_TRANSPORT must be "sdk" or "native", got "${value}"`);
}

/**
 * Reads the sample's `McpSessionModule` options from the environment through `ConfigService`.
 * Unset variables fall back to the module's defaults.
 */
export function mcpSessionOptionsFromConfig(config: ConfigService): McpSessionModuleOptions {
  const env = (name: string) => config.get<string>(name);
  const stateless = bool(env('MCP_STATELESS'), 'MCP_STATELESS') ?? false;
  const store = sessionStore(env('MCP_SESSION_STORE'));
  const idleTimeout = num(env('MCP_SESSION_IDLE_TIMEOUT'), 'MCP_SESSION_IDLE_TIMEOUT');
  return {
    stateless,
    protocol: protocol(env('MCP_PROTOCOL')),
    requestStateKey: requestStateKey(env('MCP_REQUEST_STATE_KEY'), store),
    jsonResponse: bool(env('MCP_JSON_RESPONSE'), 'MCP_JSON_RESPONSE'),
    transport: transport(env('MCP_TRANSPORT')),
    telemetry: bool(env('MCP_TELEMETRY'), 'MCP_TELEMETRY'),
    reuseModernServers: bool(env('MCP_REUSE_MODERN_SERVERS'), 'MCP_REUSE_MODERN_SERVERS'),
    sessionIdleTimeout: stateless ? undefined : idleTimeout,
    hibernateAfter: num(env('MCP_HIBERNATE_AFTER'), 'MCP_HIBERNATE_AFTER'),
    reapInterval: num(env('MCP_REAP_INTERVAL'), 'MCP_REAP_INTERVAL'),
    maxSessions: num(env('MCP_MAX_SESSIONS'), 'MCP_MAX_SESSIONS'),
    retryInterval: num(env('MCP_RETRY_INTERVAL'), 'MCP_RETRY_INTERVAL'),
    sessionStore: store,
    eventStore: eventStore(env('MCP_EVENT_STORE')),
    redis: {
      url: env('REDIS_URL') || undefined,
      keyPrefix: env('MCP_REDIS_KEY_PREFIX') || undefined,
    },
    maxRequestBodySize: num(env('MCP_MAX_BODY_BYTES'), 'MCP_MAX_BODY_BYTES'),
    shutdownGracePeriod: num(env('MCP_SHUTDOWN_GRACE'), 'MCP_SHUTDOWN_GRACE'),
    security: {
      allowedHosts: list(env('MCP_ALLOWED_HOSTS')),
      allowedOrigins: list(env('MCP_ALLOWED_ORIGINS')),
    },
  };
}
