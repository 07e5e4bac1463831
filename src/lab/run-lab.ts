import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ERROR_CODES } from '../core/error-codes.js';
import { CannotRunError } from '../core/errors.js';
import { builtInLibrary, CLIENTS, checkProbe, commandClient, SHIPPED_PROBES } from './clients/index.js';
import { runScenario, type ScenarioMeasurement } from './run-scenario.js';
import { ALL_SCENARIOS } from './scenarios/index.js';
import { judge, type ScenarioVerdict } from './verdict.js';

export interface LabOptions {
  /** ioredis or node-redis; with `clientCommand`, the name the report gives the probe's client. */
  client: string;
  /**
   * A probe program speaking the lab's line protocol (docs/lab.md, "Clients in other languages"), run
   * with `sh -c` once per scenario, instead of a client of CLIENTS.
   */
  clientCommand?: string;
  /** A module whose default export is the client's options (object, or function returning one). */
  optionsModule?: string;
  /** Scenario ids to run (any of the catalogue, failover scenarios included). */
  only?: readonly string[];
  /**
   * Run the failover scenarios (Sentinel and Cluster topologies), besides those in `only`. Without
   * `only` or `failover`, the single-server catalogue runs.
   */
  failover?: boolean;
  /** Called after each scenario, for progress output. */
  onResult?: (result: LabResult) => void;
}

export interface LabResult {
  measurement: ScenarioMeasurement;
  verdict: ScenarioVerdict;
}

export interface LabReport {
  schemaVersion: 1;
  client: string;
  /** The library and version under test: a built-in client's package, or a probe's ready line. */
  library: string;
  optionsModule: string | null;
  startedAt: string;
  durationMs: number;
  results: LabResult[];
  summary: { ok: number; fail: number; error: number };
}

/** Runs the catalogue (or part of it) against one client, one fresh server (or topology) per scenario. */
export async function runLab(options: LabOptions): Promise<LabReport> {
  const shipped = options.clientCommand ? undefined : SHIPPED_PROBES[options.client];
  const clientCommand =
    options.clientCommand ??
    (await shipped?.command().catch((error: Error) => {
      throw new CannotRunError(ERROR_CODES.labClient, error.message);
    }));
  const factory = clientCommand ? commandClient(clientCommand) : CLIENTS[options.client];
  if (!factory) {
    throw new CannotRunError(
      ERROR_CODES.labClient,
      `Unknown client "${options.client}". Choose one of: ${[...Object.keys(CLIENTS), ...Object.keys(SHIPPED_PROBES)].join(', ')}.`,
    );
  }
  for (const id of options.only ?? []) {
    if (!ALL_SCENARIOS.some((s) => s.id === id)) {
      throw new CannotRunError(
        ERROR_CODES.labScenario,
        `Unknown scenario "${id}". Scenarios: ${ALL_SCENARIOS.map((s) => s.id).join(', ')}.`,
      );
    }
  }
  const chosen =
    options.only?.length || options.failover
      ? ALL_SCENARIOS.filter((s) => options.only?.includes(s.id) || (options.failover && s.topology))
      : ALL_SCENARIOS.filter((s) => !s.topology);
  // Before any server starts: a probe that cannot start or does not speak the protocol is one line.
  const library = clientCommand
    ? await checkProbe(clientCommand).catch((error: Error) => {
        throw new CannotRunError(ERROR_CODES.labClient, error.message);
      })
    : builtInLibrary(options.client);
  const clientOptions = options.optionsModule ? await loadOptions(options.optionsModule) : {};
  const startedAt = new Date();
  const started = performance.now();
  const results: LabResult[] = [];
  for (const scenario of chosen) {
    const measurement = await runScenario(scenario, {
      name: options.client,
      factory,
      options: clientOptions,
    });
    const result = { measurement, verdict: judge(measurement) };
    results.push(result);
    options.onResult?.(result);
  }
  const count = (status: ScenarioVerdict['status']) =>
    results.filter((r) => r.verdict.status === status).length;
  return {
    schemaVersion: 1,
    client: options.client,
    library,
    optionsModule: options.optionsModule ?? null,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    results,
    summary: { ok: count('ok'), fail: count('fail'), error: count('error') },
  };
}

/** The user's client options: `export default { ... }` or `export default () => ({ ... })`. */
async function loadOptions(path: string): Promise<Record<string, unknown>> {
  let module: { default?: unknown };
  try {
    module = await import(pathToFileURL(resolve(path)).href);
  } catch (error) {
    throw new CannotRunError(
      ERROR_CODES.labOptions,
      `Cannot load client options from ${path}: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  const value =
    typeof module.default === 'function' ? await (module.default as () => unknown)() : module.default;
  if (!value || typeof value !== 'object') {
    throw new CannotRunError(
      ERROR_CODES.labOptions,
      `${path} must export default an options object (or a function returning one).`,
    );
  }
  return value as Record<string, unknown>;
}
