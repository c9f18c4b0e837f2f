/**
 * Preloaded (`--import`) into a server to run it as if `@opentelemetry/api` were not installed:
 * a module resolution hook answers every `@opentelemetry/*` import with the error Node gives for a
 * package that is not there. The telemetry cost benchmark's "absent" variant.
 */
import { register } from 'node:module';

const hook = `
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@opentelemetry/')) {
    const error = new Error("Cannot find package '" + specifier + "'");
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return next(specifier, context);
}`;

register(`data:text/javascript,${encodeURIComponent(hook)}`);
