import type { ClientFactoryOptions, ClientUnderTest } from './clients/client-under-test.js';
import type { TrackedCommand } from './scenarios/app-traffic.js';
import type { ScenarioBasics } from './scenarios/scenario.js';

/** What a scenario runs on, set up for one run, with the client under test created against it. */
export interface Stage {
  app: ClientUnderTest;
  /** Runs the scenario with the shared context parts. */
  run(basics: ScenarioBasics): Promise<void>;
  /** How many times each write ran where it should be at the end (sets `node` on topology writes). */
  readBack(writes: TrackedCommand[]): Promise<Record<number, number>>;
  /** The server `lifeline doctor` is run against afterwards. */
  doctorUrl(): Promise<string>;
}

/** What preparing a stage needs: the client under test to create, and where to register cleanups. */
export interface StageKit {
  /** Creates the client under test (its events recorded) against a server or a topology. */
  makeApp(where: Pick<ClientFactoryOptions, 'host' | 'port' | 'topology'>): ClientUnderTest;
  /** Registers a cleanup step: the last registered runs first, whatever happened. */
  onCleanup(step: () => Promise<unknown> | unknown): void;
}
