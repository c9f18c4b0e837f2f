import type { RunConfig } from '../lib/config.js';
import { log } from '../lib/log.js';
import type { ResultSet, ServerId } from '../lib/results.js';
import { roundOrder, SERVERS } from '../lib/servers.js';

/** What a scenario gets from the runner. */
export interface ScenarioContext {
  config: RunConfig;
  results: ResultSet;
  /** The servers of this run that can run here (see lib/servers.ts). */
  servers: ServerId[];
  /** Epoch milliseconds past which nothing new may start. */
  deadline: number;
}

/**
 * One benchmark scenario: one file under bench/scenarios/, listed in scenarios/index.ts. It
 * records its figures in the shared ResultSet; the report renders whatever is recorded there.
 */
export interface Scenario {
  id: string;
  /** Section title in BENCHMARKS.md. */
  title: string;
  /** Markdown paragraph: what is measured, and how. */
  method: string;
  /** Servers it compares, out of those of the run (in-process scenarios pick their own subjects). */
  servers?: readonly ServerId[];
  /** False when the run's configuration leaves it out (e.g. a figure --quick does not take). */
  enabled?(config: RunConfig): boolean;
  /** Rough duration, for the progress estimate. */
  estimateSeconds(config: RunConfig, servers: number): number;
  run(context: ScenarioContext): Promise<void>;
}

/** The servers of the run that a scenario compares. */
export function serversFor(scenario: Scenario, context: ScenarioContext): ServerId[] {
  const wanted =
    scenario.servers ?? context.servers.filter((id) => SERVERS[id].onlyWhereNamed !== true);
  return context.servers.filter((id) => wanted.includes(id));
}

/**
 * Runs `measure` for every server in every round, alternating the order (A B C, C B A, …). A
 * server that fails is reported as skipped for this scenario and left out of later rounds; the
 * others carry on.
 */
export async function alternate(
  scenario: Scenario,
  context: ScenarioContext,
  measure: (server: ServerId, round: number) => Promise<string>,
): Promise<void> {
  let servers = serversFor(scenario, context);
  for (let round = 0; round < context.config.rounds; round++) {
    for (const server of roundOrder(servers, round)) {
      if (Date.now() > context.deadline) throw new Error('the run is over its time budget');
      const label = `${scenario.id} · round ${round + 1}/${context.config.rounds} · ${server}`;
      log.step(`${label} …`);
      try {
        const summary = await measure(server, round);
        log.detail(`${label}: ${summary}`);
      } catch (error) {
        const reason = (error as Error).message.split('\n')[0];
        log.detail(`${label}: FAILED — ${(error as Error).message}`);
        context.results.skip(server, scenario.id, reason);
        servers = servers.filter((s) => s !== server);
      }
    }
  }
}
