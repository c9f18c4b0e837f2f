/**
 * Where the endpoint is in its one run: not started, serving, draining at shutdown (finishing
 * what is in flight, starting nothing new), or stopped.
 *
 * @publicApi
 */
export type EndpointPhase = 'created' | 'running' | 'draining' | 'stopped';
