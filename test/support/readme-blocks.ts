/** A fenced code block of the README that is marked as part of the Quick start. */
export interface QuickStartBlock {
  /** What the marker names: a file of the application (`src/main.ts`), or `install` / `run`. */
  target: string;
  /** The fence's language tag. */
  language: string;
  /** The block's text, without the fences. */
  code: string;
}

/**
 * A block is part of the Quick start when an HTML comment `<!-- quick-start: TARGET -->`, invisible
 * on rendered pages, stands on the line just before its opening fence.
 */
const MARKED_BLOCK = /^<!-- quick-start: (\S+) -->\n```(\w*)\n([\s\S]*?)^```$/gm;

/** The README's Quick start blocks, in order; throws if a target is marked twice. */
export function quickStartBlocks(readme: string): QuickStartBlock[] {
  const blocks = [...readme.replace(/\r\n/g, '\n').matchAll(MARKED_BLOCK)].map(
    ([, target, language, code]) => ({ target, language, code }),
  );
  const targets = blocks.map((block) => block.target);
  const twice = targets.filter((target, index) => targets.indexOf(target) !== index);
  if (twice.length > 0) throw new Error(`README marks ${twice.join(', ')} more than once`);
  return blocks;
}

/** The shell commands of a block: one per line or per `&&`, without blank lines or comments. */
export function commandsOf(block: QuickStartBlock): string[][] {
  return block.code
    .split('\n')
    .flatMap((line) => line.split('&&'))
    .map((command) => command.trim())
    .filter((command) => command !== '' && !command.startsWith('#'))
    .map((command) => command.split(/\s+/));
}
