import { actInBatches, sweepInSlices } from './sweep.js';

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

describe('actInBatches', () => {
  it('acts on every item, a batch at a time, letting other work run between batches', async () => {
    const items = Array.from({ length: 250 }, (_, i) => i);
    const started: number[] = [];
    const settled: number[] = [];
    const otherWorkSaw: Array<[number, number]> = [];
    const other = () => {
      otherWorkSaw.push([started.length, settled.length]);
      if (settled.length < items.length) setImmediate(other);
    };
    setImmediate(other);

    await actInBatches(items, async (item) => {
      started.push(item);
      await Promise.resolve();
      settled.push(item);
    });

    expect(started).toEqual(items);
    expect(settled).toHaveLength(250);
    // Between batches every action started so far had settled, and other work ran.
    expect(otherWorkSaw).toEqual([
      [100, 100],
      [200, 200],
    ]);
  });

  it('does nothing for no items', async () => {
    let calls = 0;
    await actInBatches([], async () => void calls++);
    expect(calls).toBe(0);
  });
});
