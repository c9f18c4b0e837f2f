import { churn } from './churn.js';
import { eventStore } from './event-store.js';
import { hibernation } from './hibernation.js';
import { largePopulation } from './large-population.js';
import { memoryIdle } from './memory.js';
import { replicas } from './replicas.js';
import type { Scenario } from './scenario.js';
import { modern, stateless, throughputJson, throughputSse } from './throughput.js';

/** Every scenario, in the order a run takes them and the report lists them. Add new ones here. */
export const SCENARIOS: readonly Scenario[] = [
  throughputJson,
  throughputSse,
  stateless,
  modern,
  churn,
  memoryIdle,
  largePopulation,
  hibernation,
  eventStore,
  replicas,
];
