import type { SessionEventStore } from '../event-store/session-event-store.interface.js';
import type { McpSessionModuleOptions } from './mcp-session-options.interface.js';

/** The longest delay Node's timers honour; longer ones fire after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What is wrong with an option's value, and how to fix it. */
export interface OptionProblem {
  problem: string;
  fix: string;
}

/**
 * One rule of the option table: the option it names, the value it checks (read from all the
 * options, defaults applied where a rule needs them), and the check, which returns the problem.
 */
export interface OptionRule {
  option: string;
  /** The value to check; `undefined` skips the rule (the option is not set, or does not apply). */
  value: (options: McpSessionModuleOptions) => unknown;
  check: (value: unknown, options: McpSessionModuleOptions) => OptionProblem | undefined;
}

/** The idle timeout in seconds, as the resolver applies it: `null` for none. */
export function idleSecondsOf(options: McpSessionModuleOptions): number | null {
  if (options.stateless) return null;
  return options.sessionIdleTimeout === undefined ? 1800 : options.sessionIdleTimeout;
}

function positiveNumber(unit: 'seconds' | 'milliseconds') {
  return (value: unknown): OptionProblem | undefined => {
    const ms = unit === 'seconds' ? Number(value) * 1000 : Number(value);
    if (typeof value === 'number' && Number.isFinite(value) && value > 0 && ms <= MAX_TIMER_MS) {
      return undefined;
    }
    return {
      problem: `must be a positive number of ${unit} (at most ${MAX_TIMER_MS} ms), got ${String(value)}`,
      fix: 'Set it to a value such as 30, or leave it out for the default.',
    };
  };
}

function positiveInteger(value: unknown): OptionProblem | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return undefined;
  return {
    problem: `must be a positive integer, got ${String(value)}`,
    fix: 'Set it to a whole number, or leave it out for the default.',
  };
}

/** Both checks, the first problem first. */
function both(first: OptionRule['check'], second: OptionRule['check']): OptionRule['check'] {
  return (value, options) => first(value, options) ?? second(value, options);
}

function boolean(value: unknown): OptionProblem | undefined {
  if (typeof value === 'boolean') return undefined;
  return { problem: `must be a boolean, got ${String(value)}`, fix: 'Use true or false.' };
}

function stringList(value: unknown): OptionProblem | undefined {
  if (Array.isArray(value) && value.every((entry) => typeof entry === 'string' && entry.trim())) {
    return undefined;
  }
  return {
    problem: 'must be an array of non-empty strings',
    fix: `List values such as ['mcp.example.com', 'localhost:*'].`,
  };
}

function fn(value: unknown): OptionProblem | undefined {
  return typeof value === 'function'
    ? undefined
    : { problem: 'must be a function', fix: 'Pass a function or leave it out.' };
}

/** An option that means nothing without sessions. */
function noMeaningWhenStateless(option: keyof McpSessionModuleOptions): OptionRule {
  return {
    option,
    value: (options) =>
      options.stateless && options[option] !== undefined && options[option] !== null
        ? options[option]
        : undefined,
    check: () => ({
      problem: 'has no meaning with stateless: true (there are no sessions)',
      fix:
        option === 'sessionStore'
          ? 'Remove sessionStore, or set stateless to false.'
          : `Remove ${option}, or set stateless to false.`,
    }),
  };
}

const EVENT_STORE_METHODS = [
  'storeEvent',
  'replayEventsAfter',
  'getStreamIdForEventId',
  'purgeSession',
] as const;

/**
 * Every rule the options must satisfy, in the order they are checked; the first broken one is
 * reported. Add a rule here to validate a new option.
 */
export const OPTION_RULES: readonly OptionRule[] = [
  {
    option: 'protocol',
    value: (options) => options.protocol,
    check: (value) =>
      value === 'dual' || value === 'legacy-only' || value === 'modern-only'
        ? undefined
        : {
            problem: `must be 'dual', 'legacy-only' or 'modern-only', got ${String(value)}`,
            fix: "Leave it out to serve both protocol eras ('dual').",
          },
  },
  {
    option: 'transport',
    value: (options) => options.transport,
    check: (value) =>
      value === 'sdk' || value === 'native'
        ? undefined
        : {
            problem: `must be 'sdk' or 'native', got ${String(value)}`,
            fix: "Leave it out for the module's Node-native transport ('native').",
          },
  },
  {
    option: 'requestStateKey',
    value: (options) => options.requestStateKey,
    check: (value) => {
      const bytes =
        typeof value === 'string'
          ? Buffer.byteLength(value)
          : value instanceof Uint8Array
            ? value.byteLength
            : -1;
      if (bytes >= 32) return undefined;
      return {
        problem: `must be a string or Uint8Array of at least 32 bytes, got ${bytes < 0 ? String(value) : `${bytes} bytes`}`,
        fix: 'Use a random secret of 32 bytes or more, the same on every replica (for example from an environment variable).',
      };
    },
  },
  {
    option: 'sessionStore',
    value: (options) => options.sessionStore,
    check: (value) =>
      value === 'memory' || value === 'redis'
        ? undefined
        : {
            problem: `must be 'memory' or 'redis', got ${String(value)}`,
            fix: "Use 'redis' to share sessions between replicas, or leave it out.",
          },
  },
  {
    ...noMeaningWhenStateless('sessionStore'),
    value: (options) =>
      options.stateless && options.sessionStore === 'redis' ? 'redis' : undefined,
  },
  noMeaningWhenStateless('sessionIdleTimeout'),
  noMeaningWhenStateless('maxSessionLifetime'),
  noMeaningWhenStateless('hibernateAfter'),
  {
    option: 'sessionIdleTimeout',
    value: (options) => idleSecondsOf(options) ?? undefined,
    check: positiveNumber('seconds'),
  },
  {
    option: 'retryInterval',
    value: (options) => options.retryInterval,
    check: both(positiveInteger, (value, options) => {
      const idleSeconds = idleSecondsOf(options);
      if (idleSeconds === null || (value as number) < idleSeconds * 1000) return undefined;
      return {
        problem: `(${String(value)} ms) must be well below sessionIdleTimeout (${idleSeconds} s), or polling clients expire between polls`,
        fix: 'Lower retryInterval or raise sessionIdleTimeout.',
      };
    }),
  },
  {
    option: 'maxSessionLifetime',
    value: (options) => options.maxSessionLifetime ?? undefined,
    check: positiveNumber('seconds'),
  },
  {
    option: 'maxSessionsPerPrincipal',
    value: (options) => options.maxSessionsPerPrincipal ?? undefined,
    check: positiveInteger,
  },
  {
    option: 'hibernateAfter',
    value: (options) => options.hibernateAfter ?? undefined,
    check: both(positiveNumber('seconds'), (value, options) => {
      const idleSeconds = idleSecondsOf(options);
      if (idleSeconds === null || (value as number) < idleSeconds) return undefined;
      return {
        problem: `(${String(value)} s) must be below sessionIdleTimeout (${idleSeconds} s), or sessions expire before they hibernate`,
        fix: 'Lower hibernateAfter, or remove it.',
      };
    }),
  },
  {
    option: 'reapInterval',
    value: (options) => options.reapInterval,
    check: positiveNumber('seconds'),
  },
  { option: 'maxSessions', value: (options) => options.maxSessions, check: positiveInteger },
  {
    option: 'maxRequestBodySize',
    value: (options) => options.maxRequestBodySize,
    check: positiveInteger,
  },
  {
    option: 'keepAliveInterval',
    value: (options) => options.keepAliveInterval,
    check: both(positiveInteger, positiveNumber('milliseconds')),
  },
  {
    option: 'shutdownGracePeriod',
    value: (options) => options.shutdownGracePeriod,
    check: (value) =>
      typeof value === 'number' && value >= 0 && value * 1000 <= MAX_TIMER_MS
        ? undefined
        : {
            problem: `must be zero or a positive number of seconds, got ${String(value)}`,
            fix: 'Set it to the seconds in-flight requests may take to finish at shutdown.',
          },
  },
  {
    option: 'sessionIdGenerator',
    value: (options) => options.sessionIdGenerator,
    check: fn,
  },
  {
    option: 'principalResolver',
    value: (options) => options.principalResolver,
    check: fn,
  },
  {
    option: 'security.dnsRebindingProtection',
    value: (options) => options.security?.dnsRebindingProtection,
    check: boolean,
  },
  {
    option: 'telemetry',
    value: (options) => options.telemetry,
    check: boolean,
  },
  {
    option: 'reuseModernServers',
    value: (options) => options.reuseModernServers,
    check: boolean,
  },
  {
    option: 'security.allowedHosts',
    value: (options) => options.security?.allowedHosts,
    check: stringList,
  },
  {
    option: 'security.allowedOrigins',
    value: (options) => options.security?.allowedOrigins,
    check: stringList,
  },
  {
    option: 'path',
    value: (options) => options.path,
    check: (value) =>
      typeof value === 'string' && value.trim() !== ''
        ? undefined
        : { problem: 'must be a non-empty string', fix: `Use a route such as '/mcp'.` },
  },
  {
    option: 'eventStore',
    value: (options) => (options.stateless ? undefined : options.eventStore),
    check: (value) => {
      if (value === 'memory' || value === 'redis' || value === 'none') return undefined;
      const store = value as Partial<SessionEventStore> | null;
      const complete =
        typeof store === 'object' &&
        store !== null &&
        EVENT_STORE_METHODS.every((method) => typeof store[method] === 'function');
      if (complete) return undefined;
      return {
        problem: `must be 'memory', 'redis', 'none' or an object implementing SessionEventStore (${EVENT_STORE_METHODS.join(', ')})`,
        fix: 'Pass a SessionEventStore instance, or one of the three strings.',
      };
    },
  },
];
