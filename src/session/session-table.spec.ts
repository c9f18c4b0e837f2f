import { McpSession } from './mcp-session.js';
import { SessionTable } from './session-table.js';

describe('SessionTable', () => {
  it('counts a session being opened against the limits until it is admitted or cancelled', () => {
    const table = new SessionTable();
    const session = new McpSession('a', 'alice', 0);

    table.reserve('alice');
    expect(table.occupancy).toBe(1);
    expect(table.size).toBe(0);
    expect(table.sessionsOf('alice')).toBe(1);

    table.admit(session);
    expect(table.occupancy).toBe(1);
    expect(table.get('a')).toBe(session);
    expect(table.sessionsOf('alice')).toBe(1);

    table.reserve('alice');
    table.cancel('alice');
    expect(table.occupancy).toBe(1);
    expect(table.sessionsOf('alice')).toBe(1);
  });

  it('removes a session once, and only the one held under its id', () => {
    const table = new SessionTable();
    const held = new McpSession('a', 'alice', 0);
    const namesake = new McpSession('a', 'alice', 0);
    table.hold(held);

    expect(table.holds(namesake)).toBe(false);
    expect(table.remove(namesake)).toBe(false);
    expect(table.get('a')).toBe(held);

    expect(table.remove(held)).toBe(true);
    expect(table.remove(held)).toBe(false);
    expect(table.size).toBe(0);
    expect(table.sessionsOf('alice')).toBe(0);
  });

  it("counts each principal's sessions separately, and holds sessions without one", () => {
    const table = new SessionTable();
    table.hold(new McpSession('a', 'alice', 0));
    table.hold(new McpSession('b', 'alice', 0));
    table.hold(new McpSession('c', 'bob', 0));
    table.hold(new McpSession('d', undefined, 0));

    expect(table.sessionsOf('alice')).toBe(2);
    expect(table.sessionsOf('bob')).toBe(1);
    expect(table.ids()).toEqual(['a', 'b', 'c', 'd']);
    expect([...table.values()].map((session) => session.id)).toEqual(['a', 'b', 'c', 'd']);
  });
});
