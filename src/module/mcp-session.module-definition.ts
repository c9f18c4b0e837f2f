import { ConfigurableModuleBuilder, type Provider } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { EndpointRouteCheck } from '../http/endpoint-route.check.js';
import { ServerMount } from '../http/server-mount.js';
import { MCP_SESSION_OPTIONS } from './mcp-session.constants.js';
import { createMcpSessionController } from './mcp-session.controller.js';
import type { McpSessionModuleOptions } from '../options/mcp-session-options.interface.js';
import type { ResolvedMcpSessionOptions } from '../options/mcp-session-options.resolver.js';
import { createMcpSessionProviders } from './mcp-session.providers.js';

/** Registration settings that shape the module itself, so they cannot come from an async factory. */
export interface McpSessionModuleExtras {
  /**
   * Serve the endpoint with the built-in controller. Turn it off to mount
   * `SessionManager.handleRequest` in a controller of your own.
   * @default true
   */
  controller: boolean;
  /**
   * Where the endpoint is mounted. `'router'`: behind the platform's router, as a route (the
   * built-in controller, or yours with `controller: false`). `'server'`: on the HTTP server
   * itself, ahead of the platform, which saves the router's and middleware's work on every
   * request but skips middleware (so `enableCors`), guards, interceptors, pipes and exception
   * filters for the endpoint; `principalResolver` then reads the Node request. Other routes are
   * served by the platform as before.
   * @default 'router'
   */
  mount: 'router' | 'server';
  /**
   * Make `SessionManager` injectable everywhere without importing the module.
   * @default false
   */
  isGlobal: boolean;
}

const ROUTE_BINDING = Symbol('McpSessionModule:RouteBinding');

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<McpSessionModuleOptions>({ moduleName: 'McpSession' })
    .setClassMethodName('forRoot')
    .setExtras<McpSessionModuleExtras>(
      { controller: true, mount: 'router', isGlobal: false },
      (definition, extras) => {
        const providers: Provider[] = [
          ...(definition.providers ?? []),
          ...createMcpSessionProviders(MODULE_OPTIONS_TOKEN),
        ];
        const controllers = [];
        if (extras.mount === 'server') {
          providers.push(ServerMount);
        } else if (extras.controller) {
          const controller = createMcpSessionController();
          controllers.push(controller);
          // Runs while providers are instantiated, before Nest maps routes, so the path can come
          // from asynchronously resolved options.
          providers.push({
            provide: ROUTE_BINDING,
            inject: [MCP_SESSION_OPTIONS],
            useFactory: (options: ResolvedMcpSessionOptions) =>
              Reflect.defineMetadata(PATH_METADATA, options.path, controller),
          });
        } else {
          // The application mounts the endpoint: check that its route matches the path.
          providers.push(EndpointRouteCheck);
        }
        return { ...definition, global: extras.isGlobal, providers, controllers };
      },
    )
    .build();
