import { sweepInSlices } from './sweep-in-slices.js';

describe('sweepInSlices', () => {
  it('visits every item in order, letting other work run between slices', async () => {
    const visited: number[] = [];
    const otherWorkSawVisited: number[] = [];
    const items = Array.from({ length: 12_000 }, (_, i) => i);
    const other = () => {
      otherWorkSawVisited.push(visited.length);
      if (visited.length < items.length) setImmediate(other);
    };
    setImmediate(other);

    await sweepInSlices(items, (item) => visited.push(item));

    expect(visited).toEqual(items);
    // The other work ran after the first slice and after the second, not only at the end.
    expect(otherWorkSawVisited).toEqual([5_000, 10_000]);
  });

  it('skips Map entries removed while it yields', async () => {
    const map = new Map(Array.from({ length: 6_000 }, (_, i) => [i, i]));
    setImmediate(() => map.delete(5_500));
    const visited: number[] = [];

    await sweepInSlices(map.values(), (value) => visited.push(value));

    expect(visited).toHaveLength(5_999);
    expect(visited).not.toContain(5_500);
  });
});
