/** (a′) Ours on Fastify: the same application as servers/ours.ts, on @nestjs/platform-fastify. */
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { announceReady } from './ipc.js';
import { startOurs } from './ours-app.js';

const { url } = await startOurs(new FastifyAdapter());
announceReady(url);
