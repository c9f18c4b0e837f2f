import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Loads the SDK lines in a fresh Node.js process in which `hidden` packages are not installed,
 * and prints what was found (or the error).
 */
async function linesWithout(hidden: string[]): Promise<string> {
  const script = `
    const { loadSdkLines } = await import('./build/src/server/sdk-lines.js');
    try {
      const lines = await loadSdkLines();
      console.log(JSON.stringify({ v1: !!lines.v1, v2: !!lines.v2, modern: !!lines.modern }));
    } catch (error) {
      console.log(error.message);
    }`;
  const { stdout } = await run(
    process.execPath,
    ['--import', './test/support/hide-packages.mjs', '--input-type=module', '-e', script],
    { env: { ...process.env, HIDDEN_PACKAGES: hidden.join(',') } },
  );
  return stdout.trim();
}

describe('the SDK lines, both optional peers', () => {
  it('finds both when both are installed', async () => {
    expect(JSON.parse(await linesWithout([]))).toEqual({ v1: true, v2: true, modern: true });
  });

  it('serves with the SDK v2 alone, 2026-07-28 requests included', async () => {
    expect(JSON.parse(await linesWithout(['@modelcontextprotocol/sdk']))).toEqual({
      v1: false,
      v2: true,
      modern: true,
    });
  });

  it('serves with the SDK v1 alone, 2025-era sessions only', async () => {
    expect(JSON.parse(await linesWithout(['@modelcontextprotocol/server']))).toEqual({
      v1: true,
      v2: false,
      modern: false,
    });
  });

  it('fails the bootstrap without either, saying what to install', async () => {
    const message = await linesWithout([
      '@modelcontextprotocol/sdk',
      '@modelcontextprotocol/server',
    ]);
    expect(message).toMatch(
      /needs an MCP SDK: install @modelcontextprotocol\/server .* or @modelcontextprotocol\/sdk/,
    );
  });
});
