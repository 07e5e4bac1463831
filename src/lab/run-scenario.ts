import { Redis } from 'ioredis';
import { doctorForUrl } from '../doctor/doctor-for-url.js';
import type { RuleResult } from '../doctor/report/types.js';
import type { ClientFactory, SeenEvent } from './clients/client-under-test.js';
import { FaultProxy } from './proxy/proxy.js';
import { startRedis } from './redis-server/start-redis.js';
import { prepareTopology } from './run-topology.js';
import { AppTraffic, sleep, type TrackedCommand, writeKey } from './scenarios/app-traffic.js';
import type { FailoverFacts, LabScenario, Scenario } from './scenarios/scenario.js';
import type { Stage, StageKit } from './stage.js';

/** What one scenario measured, before any judgement. */
export interface ScenarioMeasurement {
  scenario: string;
  title: string;
  client: string;
  /** A failover scenario's topology (absent: one server). */
  topology?: 'sentinel' | 'cluster';
  /** Events and errors the app saw, verbatim, in order (at most 50 kept). */
  events: SeenEvent[];
  commands: TrackedCommand[];
  /** How many times each tracked write ran on the server (a topology: on its final master), by seq. */
  executions: Record<number, number>;
  faultAt: number | undefined;
  /** When the fault cleared; in a failover scenario, when the new master was promoted. */
  clearAt: number | undefined;
  /** What a failover scenario saw of the failover (old and new master, when the old one stopped). */
  failover?: FailoverFacts;
  published: number;
  received: number;
  notes: Record<string, string | number | boolean>;
  /** What `lifeline doctor` named afterwards, and its warning and critical findings. */
  doctor: {
    mostLikelyCause: string | null;
    findings: { ruleId: string; severity: string }[];
    /** Every rule that ran (passed or found), with its cause: what lifeline explain would be told. */
    checks: Pick<RuleResult, 'ruleId' | 'cause' | 'status' | 'severity' | 'message'>[];
    error?: string;
  };
  durationMs: number;
  /** The scenario itself failed to run (not the client's behaviour). */
  error?: string;
}

/**
 * A scenario's whole run. Past a client's own longest wait: a serial client (phpredis) can hold the app's
 * next command behind one hung for PHP's default_socket_timeout (60 s); that is a hang to measure, not a
 * scenario that failed to run.
 */
const SCENARIO_BOUND_MS = 90_000;

/** Recorded of each event name (a run stays small however much a client reports). */
const MAX_EVENTS = 50;

/**
 * Runs one scenario on a fresh server (and proxy), or a fresh Sentinel set or cluster, against a fresh
 * client, always cleaning up.
 */
export async function runScenario(
  scenario: LabScenario,
  client: { name: string; factory: ClientFactory; options: Record<string, unknown> },
): Promise<ScenarioMeasurement> {
  const started = performance.now();
  const now = () => Math.round(performance.now() - started);
  const events: SeenEvent[] = [];
  /** How many of each event were seen: a Cluster's node errors must not crowd out lifeline's events. */
  const perEvent = new Map<string, number>();
  const notes: ScenarioMeasurement['notes'] = {};
  let executions: Record<number, number> = {};
  let doctor: ScenarioMeasurement['doctor'] = { mostLikelyCause: null, findings: [], checks: [] };
  let faultAt: number | undefined;
  let clearAt: number | undefined;
  let failover: FailoverFacts | undefined;
  let recording = true;
  let error: string | undefined;
  let traffic: AppTraffic | undefined;
  const cleanup: (() => Promise<unknown> | unknown)[] = [];
  const kit: StageKit = {
    makeApp(where) {
      const app = client.factory({
        ...where,
        options: client.options,
        onEvent: (event) => {
          const seen = (perEvent.get(event.event) ?? 0) + 1;
          perEvent.set(event.event, seen);
          if (recording && seen <= MAX_EVENTS) events.push({ at: now(), ...event });
        },
      });
      cleanup.unshift(() => withBound(app.close(), 3000, '').catch(() => undefined));
      return app;
    },
    onCleanup: (step) => cleanup.unshift(step),
  };

  try {
    const stage = scenario.topology
      ? await prepareTopology(scenario, kit, (facts) => {
          failover = facts;
        })
      : await prepareServer(scenario, kit);
    traffic = new AppTraffic(stage.app, now);
    await withBound(stage.app.connect(), 10_000, 'the client did not connect');
    await withBound(
      stage.run({
        app: traffic,
        faultStarts: (at) => {
          faultAt = at ?? now();
        },
        faultClears: (at) => {
          clearAt = at ?? now();
        },
        now,
        sleep,
        note: (key, value) => {
          notes[key] = value;
        },
      }),
      SCENARIO_BOUND_MS,
      `scenario ${scenario.id} ran longer than ${SCENARIO_BOUND_MS / 1000} s`,
    );
    recording = false; // what follows is the lab looking, not the app's experience
    // How many times did each write really run?
    executions = await stage.readBack(traffic.commands.filter((c) => c.kind === 'write'));
    doctor = await doctorVerdict(await stage.doctorUrl());
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  } finally {
    recording = false;
    for (const step of cleanup) await step();
  }
  return {
    scenario: scenario.id,
    title: scenario.title,
    client: client.name,
    ...(scenario.topology ? { topology: scenario.topology } : {}),
    events,
    commands: traffic?.commands ?? [],
    executions,
    faultAt,
    clearAt,
    ...(failover ? { failover } : {}),
    published: traffic?.published.length ?? 0,
    received: traffic?.received.size ?? 0,
    notes,
    doctor,
    durationMs: now(),
    ...(error ? { error } : {}),
  };
}

/** One throwaway server with the proxy in front; the app connects through the proxy unless `direct`. */
async function prepareServer(scenario: Scenario, kit: StageKit): Promise<Stage> {
  const server = await startRedis({ config: scenario.config ?? {} });
  kit.onCleanup(() => server.stop());
  const proxy = await new FaultProxy({ name: scenario.id, upstream: `127.0.0.1:${server.port}` }).start();
  kit.onCleanup(() => proxy.stop());
  const admin = new Redis({
    port: server.port,
    host: '127.0.0.1',
    connectionName: 'lab-admin',
    maxRetriesPerRequest: 1,
  });
  admin.on('error', () => undefined);
  kit.onCleanup(() => admin.disconnect());
  const app = kit.makeApp({ host: '127.0.0.1', port: scenario.direct ? server.port : proxy.port });
  await admin.call('CLIENT', 'NO-EVICT', 'on');
  return {
    app,
    run: (basics) => scenario.run({ ...basics, server, proxy, admin }),
    async readBack(writes) {
      const executions: Record<number, number> = {};
      for (const w of writes) executions[w.seq] = Number((await admin.get(writeKey(w.seq))) ?? 0);
      return executions;
    },
    doctorUrl: async () => server.url,
  };
}

/**
 * The doctor's engine, as a user would run it afterwards on the same URL: the same code as
 * `lifeline doctor` (a Sentinel or cluster URL gets the topology doctor).
 */
async function doctorVerdict(url: string): Promise<ScenarioMeasurement['doctor']> {
  try {
    const report = await doctorForUrl(url, { timeoutMs: 3000 });
    return {
      mostLikelyCause: report.mostLikelyCause?.ruleId ?? null,
      findings: report.results
        .filter((r) => r.status === 'finding' && r.severity !== 'info')
        .map((r) => ({ ruleId: r.ruleId, severity: r.severity ?? 'info' })),
      checks: report.results
        .filter((r) => r.status === 'finding' || r.status === 'pass')
        .map(({ ruleId, cause, status, severity, message }) => ({
          ruleId,
          cause,
          status,
          message,
          ...(severity ? { severity } : {}),
        })),
    };
  } catch (error) {
    return { mostLikelyCause: null, findings: [], checks: [], error: (error as Error).message };
  }
}

async function withBound<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
