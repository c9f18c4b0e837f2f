/** (a) Ours: a NestJS application with McpSessionModule. */
import { announceReady } from './ipc.js';
import { startOurs } from './ours-app.js';

const { url } = await startOurs();
announceReady(url);
