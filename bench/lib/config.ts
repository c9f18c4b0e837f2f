import type { ServerId } from './results.js';
import { DEFAULT_SERVERS } from './servers.js';

/** The knobs of a run. `--quick` shrinks every one of them. */
export interface RunConfig {
  quick: boolean;
  /** Rounds of A B C … alternation; medians are taken over them. */
  rounds: number;
  /**
   * Rounds of the two-replica scenario, whose every run starts two replicas and Redis sessions:
   * fewer than `rounds`, to keep the whole run within its time.
   */
  replicaRounds: number;
  /** Seconds of load before each measured window (JIT warm-up), and of the window itself. */
  warmupSeconds: number;
  measureSeconds: number;
  /**
   * Sessions opened, used and closed before a memory scenario's first reading, so that warm-up
   * costs are not counted.
   */
  warmupSessions: number;
  /** Concurrent sessions (one autocannon connection each) for the throughput scenarios. */
  sessions: number;
  /** Concurrent connections for the session-churn scenario. */
  churnConnections: number;
  /**
   * Idle sessions opened for the memory figures, for every server, and for ours alone at scale
   * (the large-population scenario, which then grows to `reaperSessions`).
   */
  memorySessions: number;
  memorySessionsOursLarge: number;
  /** Sessions alive during the reaper sweep, and the share of them expired. */
  reaperSessions: number;
  reaperExpiredShare: number;
  /** Sessions opened and hibernated in the hibernation scenario. */
  hibernatedSessions: number;
  /**
   * First requests timed after hibernation; as many other hibernated sessions are woken before
   * them, unmeasured, as the warm-up.
   */
  rehydrationSamples: number;
  /** Events appended, and replayed after a Last-Event-ID, in the event-store scenario. */
  eventStoreAppends: number;
  eventStoreReplay: number;
  /** Servers to run (all by default). */
  servers: ServerId[];
  /** Scenario ids to run (all by default). */
  only: string[] | null;
  /** Hard limit for the whole run; past it the run stops and cleans up. */
  budgetSeconds: number;
}

export function makeConfig(quick: boolean): RunConfig {
  const common = {
    servers: [...DEFAULT_SERVERS],
    only: null,
    sessions: 64,
    churnConnections: 32,
    reaperExpiredShare: 0.1,
  };
  if (quick) {
    return {
      ...common,
      quick,
      rounds: 1,
      replicaRounds: 1,
      warmupSeconds: 0.5,
      measureSeconds: 1,
      warmupSessions: 100,
      memorySessions: 300,
      memorySessionsOursLarge: 1_000,
      reaperSessions: 2_000,
      eventStoreAppends: 50_000,
      hibernatedSessions: 1_000,
      rehydrationSamples: 100,
      eventStoreReplay: 10_000,
      budgetSeconds: 240,
    };
  }
  return {
    ...common,
    quick,
    rounds: 3,
    replicaRounds: 2,
    warmupSeconds: 2,
    measureSeconds: 3,
    warmupSessions: 200,
    memorySessions: 10_000,
    memorySessionsOursLarge: 50_000,
    reaperSessions: 100_000,
    eventStoreAppends: 200_000,
    hibernatedSessions: 100_000,
    rehydrationSamples: 600,
    eventStoreReplay: 10_000,
    budgetSeconds: 1200,
  };
}
