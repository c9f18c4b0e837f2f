import { ASYNC_CONTEXT_IS_CHEAP } from './context-propagation.js';

describe('ASYNC_CONTEXT_IS_CHEAP', () => {
  const major = Number(process.versions.node.split('.')[0]);
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];

  it('tells async context frames (Node.js 24 on by default) from async hooks', () => {
    const frames = flags.includes('--experimental-async-context-frame')
      ? true
      : flags.includes('--no-async-context-frame')
        ? false
        : major >= 24;
    expect(ASYNC_CONTEXT_IS_CHEAP).toBe(frames);
  });
});
