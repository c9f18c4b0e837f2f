/**
 * A flat copy of a string that is kept for a long time. V8 builds the results of concatenation and
 * of `JSON.stringify` as trees of pieces (32 bytes of heap per node, often a dozen nodes for a
 * short JSON text); decoding the UTF-8 bytes gives one contiguous string instead.
 */
export function flatString(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}
