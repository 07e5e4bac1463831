import { Redis } from 'ioredis';
import { runDoctor } from '../doctor/run.js';
import type { ClientFactory, SeenEvent } from './clients/client-under-test.js';
import { FaultProxy } from './proxy/proxy.js';
import { startRedis } from './redis-server/start-redis.js';
import { AppTraffic, sleep, type TrackedCommand, writeKey } from './scenarios/app-traffic.js';
import type { Scenario, ScenarioContext } from './scenarios/scenario.js';

/** What one scenario measured, before any judgement. */
export interface ScenarioMeasurement {
  scenario: string;
  title: string;
  client: string;
  /** Events and errors the app saw, verbatim, in order (at most 50 kept). */
  events: SeenEvent[];
  commands: TrackedCommand[];
  /** How many times each tracked write ran on the server, by seq. */
  executions: Record<number, number>;
  faultAt: number | undefined;
  clearAt: number | undefined;
  published: number;
  received: number;
  notes: Record<string, string | number | boolean>;
  /** What `lifeline doctor` named afterwards, and its warning and critical findings. */
  doctor: {
    mostLikelyCause: string | null;
    findings: { ruleId: string; severity: string }[];
    error?: string;
  };
  durationMs: number;
  /** The scenario itself failed to run (not the client's behaviour). */
  error?: string;
}

const MAX_EVENTS = 50;

/** Runs one scenario on a fresh server (and proxy) against a fresh client, always cleaning up. */
export async function runScenario(
  scenario: Scenario,
  client: { name: string; factory: ClientFactory; options: Record<string, unknown> },
): Promise<ScenarioMeasurement> {
  const started = performance.now();
  const now = () => Math.round(performance.now() - started);
  const events: SeenEvent[] = [];
  const notes: ScenarioMeasurement['notes'] = {};
  const executions: Record<number, number> = {};
  let doctor: ScenarioMeasurement['doctor'] = { mostLikelyCause: null, findings: [] };
  let faultAt: number | undefined;
  let clearAt: number | undefined;
  let recording = true;
  let error: string | undefined;
  let traffic: AppTraffic | undefined;
  const cleanup: (() => Promise<unknown> | unknown)[] = [];

  try {
    const server = await startRedis({ config: scenario.config ?? {} });
    cleanup.unshift(() => server.stop());
    const proxy = await new FaultProxy({ name: scenario.id, upstream: `127.0.0.1:${server.port}` }).start();
    cleanup.unshift(() => proxy.stop());
    const admin = new Redis({
      port: server.port,
      host: '127.0.0.1',
      connectionName: 'lab-admin',
      maxRetriesPerRequest: 1,
    });
    admin.on('error', () => undefined);
    cleanup.unshift(() => admin.disconnect());
    const app = client.factory({
      host: '127.0.0.1',
      port: scenario.direct ? server.port : proxy.port,
      options: client.options,
      onEvent: (event) => {
        if (recording && events.length < MAX_EVENTS) events.push({ at: now(), ...event });
      },
    });
    cleanup.unshift(() => withBound(app.close(), 3000, '').catch(() => undefined));
    traffic = new AppTraffic(app, now);

    await admin.call('CLIENT', 'NO-EVICT', 'on');
    await withBound(app.connect(), 10_000, 'the client did not connect');
    const ctx: ScenarioContext = {
      server,
      proxy,
      admin,
      app: traffic,
      faultStarts: (at) => {
        faultAt = at ?? now();
      },
      faultClears: () => {
        clearAt = now();
      },
      now,
      sleep,
      note: (key, value) => {
        notes[key] = value;
      },
    };
    await withBound(scenario.run(ctx), 60_000, `scenario ${scenario.id} ran longer than 60 s`);
    recording = false; // what follows is the lab looking, not the app's experience
    // The admin reads each write's counter: how many times did it really run?
    for (const command of traffic.commands.filter((c) => c.kind === 'write')) {
      executions[command.seq] = Number((await admin.get(writeKey(command.seq))) ?? 0);
    }
    doctor = await doctorVerdict(server.url);
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
    events,
    commands: traffic?.commands ?? [],
    executions,
    faultAt,
    clearAt,
    published: traffic?.published.length ?? 0,
    received: traffic?.received.size ?? 0,
    notes,
    doctor,
    durationMs: now(),
    ...(error ? { error } : {}),
  };
}

/** The doctor's engine, as a user would run it afterwards: the same code as `lifeline doctor`. */
async function doctorVerdict(url: string): Promise<ScenarioMeasurement['doctor']> {
  try {
    const report = await runDoctor({ url, timeoutMs: 3000 });
    return {
      mostLikelyCause: report.mostLikelyCause?.ruleId ?? null,
      findings: report.results
        .filter((r) => r.status === 'finding' && r.severity !== 'info')
        .map((r) => ({ ruleId: r.ruleId, severity: r.severity ?? 'info' })),
    };
  } catch (error) {
    return { mostLikelyCause: null, findings: [], error: (error as Error).message };
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
