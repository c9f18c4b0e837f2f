// A Node.js module hook for the specs: `HIDDEN_PACKAGES` (comma-separated package names) resolve
// as if they were not installed, so that a spec can see how the module behaves without them.
import { register } from 'node:module';
import process from 'node:process';

register(
  `data:text/javascript,${encodeURIComponent(`
const hidden = ${JSON.stringify((process.env.HIDDEN_PACKAGES ?? '').split(',').filter(Boolean))};
export async function resolve(specifier, context, next) {
  const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
  if (hidden.includes(name)) {
    const error = new Error("Cannot find package '" + name + "' imported from " + context.parentURL);
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return next(specifier, context);
}`)}`,
);
