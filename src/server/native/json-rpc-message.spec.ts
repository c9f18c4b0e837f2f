import { jest } from '@jest/globals';
import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { parseJSONRPCMessage } from '@modelcontextprotocol/server';
import { parseMessage, type MessageParser } from './json-rpc-message.js';

/** Values at the edges of what a JSON-RPC message is, as a client could send them. */
const VALUES: unknown[] = [
  { jsonrpc: '2.0', id: 1, method: 'tools/list' },
  { jsonrpc: '2.0', id: 'a', method: 'tools/call', params: { name: 'echo', arguments: {} } },
  { jsonrpc: '2.0', id: 1, method: 'x', params: { _meta: { progressToken: 7 } } },
  { jsonrpc: '2.0', id: 1, method: 'x', params: { _meta: { progressToken: 1.5 } } },
  { jsonrpc: '2.0', id: 1, method: 'x', params: { _meta: null } },
  { jsonrpc: '2.0', id: 1, method: 'x', params: null },
  { jsonrpc: '2.0', id: 1, method: 'x', params: [] },
  { jsonrpc: '2.0', id: 1.5, method: 'x' },
  { jsonrpc: '2.0', id: 2 ** 60, method: 'x' },
  { jsonrpc: '2.0', id: null, method: 'x' },
  { jsonrpc: '2.0', id: 1, method: 5 },
  { jsonrpc: '2.0', id: 1, method: 'x', extra: true },
  { jsonrpc: '1.0', id: 1, method: 'x' },
  { id: 1, method: 'x' },
  { jsonrpc: '2.0', method: 'notifications/initialized' },
  { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 2 } },
  { jsonrpc: '2.0', method: 'x', extra: 1 },
  { jsonrpc: '2.0', id: 1, result: {} },
  { jsonrpc: '2.0', id: 1, result: { content: [] } },
  { jsonrpc: '2.0', id: 1, result: { _meta: {} } },
  { jsonrpc: '2.0', id: 1, result: [] },
  { jsonrpc: '2.0', id: 1, result: null },
  { jsonrpc: '2.0', result: {} },
  { jsonrpc: '2.0', id: 1, result: {}, method: 'x' },
  { jsonrpc: '2.0', id: 1, error: { code: -32601, message: 'no' } },
  { jsonrpc: '2.0', error: { code: -32601, message: 'no', data: [1] } },
  { jsonrpc: '2.0', id: 1, error: { code: 1.5, message: 'no' } },
  { jsonrpc: '2.0', id: 1, error: { code: 1, message: 'no', extra: 1 } },
  { jsonrpc: '2.0', id: 1, error: { code: 1 } },
  { jsonrpc: '2.0', id: 1, error: 'no' },
  { jsonrpc: '2.0' },
  [],
  'text',
  null,
  7,
];

/** The outcome of a parse: the message it returned, or that it threw. */
function outcome(parse: () => unknown): { message: unknown } | 'throws' {
  try {
    return { message: parse() };
  } catch {
    return 'throws';
  }
}

describe.each<[string, MessageParser]>([
  ['SDK v1', (value) => JSONRPCMessageSchema.parse(value)],
  ['SDK v2', (value) => parseJSONRPCMessage(value) as never],
])('parseMessage, with the %s schema', (_line, schema) => {
  it.each(VALUES.map((value) => [JSON.stringify(value), value]))(
    'answers %s as the schema does',
    (_json, value) => {
      expect(outcome(() => parseMessage(value, schema))).toEqual(outcome(() => schema(value)));
    },
  );

  it('skips the schema for a plain request, notification or answer', () => {
    const parse = jest.fn(schema);
    for (const value of VALUES.slice(0, 2)) parseMessage(value, parse);
    parseMessage({ jsonrpc: '2.0', method: 'notifications/initialized' }, parse);
    parseMessage({ jsonrpc: '2.0', id: 1, result: { content: [] } }, parse);
    expect(parse).not.toHaveBeenCalled();
  });
});
