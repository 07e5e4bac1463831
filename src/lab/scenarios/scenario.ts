import type { Redis } from 'ioredis';
import type { FaultProxy } from '../proxy/proxy.js';
import type { RedisServer } from '../redis-server/start-redis.js';
import type { AppTraffic } from './app-traffic.js';

/** Everything a scenario works with: a throwaway server, the proxy in front of it, the app's traffic. */
export interface ScenarioContext {
  server: RedisServer;
  proxy: FaultProxy;
  /** A direct admin connection (CLIENT NO-EVICT on), never through the proxy. */
  admin: Redis;
  /** The application: tracked commands and subscriptions through the client under test. */
  app: AppTraffic;
  /** The fault starts now (or at `at`, ms on the scenario clock): detection time counts from here. */
  faultStarts(at?: number): void;
  /** The fault is gone now: recovery time counts from here. */
  faultClears(): void;
  /** ms on the scenario clock. */
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Facts worth a line in the report (kills counted on the server, ghosts seen, ...). */
  note(key: string, value: string | number | boolean): void;
}

export interface Scenario {
  id: string;
  title: string;
  /** redis.conf directives for this scenario's server. */
  config?: Record<string, string>;
  /** The app connects straight to the server (server-side faults), not through the proxy. */
  direct?: boolean;
  /** The fault, end to end; every wait inside is bounded. */
  run(ctx: ScenarioContext): Promise<void>;
}

export const defineScenario = (scenario: Scenario): Scenario => scenario;
