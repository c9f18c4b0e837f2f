import type { Provider } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { STATIC_CONTEXT } from '@nestjs/core/injector/constants.js';
import type {
  InstancePerContext,
  InstanceWrapper,
} from '@nestjs/core/injector/instance-wrapper.js';
import { MCP_SERVER_FACTORY } from '../module/mcp-session.constants.js';
import { assertServerFactory, NO_SERVER_FACTORY } from './mcp-server-factory.resolver.js';

/** Token of the provider that checks the application's server factory; nothing injects it. */
const SERVER_FACTORY_CHECK = Symbol('McpSessionModule:ServerFactoryCheck');

/**
 * Waits until Nest has built `wrapper`'s instance; false if building it failed (Nest reports that
 * error itself) or if the instance is not known to be built.
 */
async function built(wrapper: InstanceWrapper): Promise<boolean> {
  const host = wrapper.getInstanceByContextId(STATIC_CONTEXT);
  if (isResolved(host)) return true;
  // Nest sets donePromise when it starts building a provider; it resolves with the error, if any.
  const error = await host.donePromise;
  return error === undefined && isResolved(host);
}

function isResolved(host: InstancePerContext<unknown>): boolean {
  return host.isResolved === true;
}

/**
 * Checks the application's `MCP_SERVER_FACTORY` while Nest creates the providers, so that a missing
 * or wrong factory fails `NestFactory.create` through Nest's own bootstrap error output, as an
 * invalid option does, rather than later as a rejection of `app.listen()`.
 *
 * The factory is usually provided in a module that imports this one, so Nest cannot inject it
 * here; the check finds its provider across the application and waits for it to be built. It
 * holds nothing that the session manager needs, so a factory that injects `SessionManager` (a
 * tool that lists sessions) still builds: the manager reads the factory in `onModuleInit`.
 */
export const serverFactoryCheck: Provider = {
  provide: SERVER_FACTORY_CHECK,
  inject: [ModulesContainer],
  useFactory: async (modules: ModulesContainer): Promise<void> => {
    const wrappers = [...modules.values()].flatMap((module) => {
      const wrapper = module.providers.get(MCP_SERVER_FACTORY);
      return wrapper ? [wrapper] : [];
    });
    if (wrappers.length === 0) throw new Error(NO_SERVER_FACTORY);
    for (const wrapper of wrappers) {
      if (await built(wrapper)) assertServerFactory(wrapper.instance);
    }
  },
};
