import type { Redis } from 'ioredis';
import type { Cause } from '../../core/causes.js';
import type { FaultProxy } from '../proxy/proxy.js';
import type { Cluster } from '../redis-server/start-cluster.js';
import type { RedisServer } from '../redis-server/start-redis.js';
import type { SentinelSet } from '../redis-server/start-sentinel.js';
import type { AppTraffic } from './app-traffic.js';

/** What every scenario works with, whatever it runs against: the app's traffic and the scenario clock. */
export interface ScenarioBasics {
  /** The application: tracked commands and subscriptions through the client under test. */
  app: AppTraffic;
  /** The fault starts now (or at `at`, ms on the scenario clock): detection time counts from here. */
  faultStarts(at?: number): void;
  /**
   * The fault is gone now (or at `at`): recovery time counts from here. In a failover scenario this is
   * the moment the new master took over (the promotion).
   */
  faultClears(at?: number): void;
  /** ms on the scenario clock. */
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Facts worth a line in the report (kills counted on the server, ghosts seen, ...). */
  note(key: string, value: string | number | boolean): void;
}

/** A single-server scenario: a throwaway server, the proxy in front of it, the app's traffic. */
export interface ScenarioContext extends ScenarioBasics {
  server: RedisServer;
  proxy: FaultProxy;
  /** A direct admin connection (CLIENT NO-EVICT on), never through the proxy. */
  admin: Redis;
}

export interface Scenario {
  id: string;
  title: string;
  /** The drop cause the scenario reproduces (the error catalogue files what the client said under it). */
  cause: Cause;
  /** Single-server scenarios have no topology (see TopologyScenario). */
  topology?: undefined;
  /** redis.conf directives for this scenario's server. */
  config?: Record<string, string>;
  /** The app connects straight to the server (server-side faults), not through the proxy. */
  direct?: boolean;
  /** The fault, end to end; every wait inside is bounded. */
  run(ctx: ScenarioContext): Promise<void>;
}

/** What a failover scenario saw of the failover itself, for the read-back and the verdict. */
export interface FailoverFacts {
  /** The port of the master the fault was aimed at. */
  oldMaster: number;
  /** The port of the node promoted in its place (absent: no promotion seen within the bound). */
  newMaster?: number;
  /** ms on the scenario clock when the old master stopped taking writes (demoted, or gone). */
  oldMasterStoppedAt?: number;
  /** INCRs the old master ran after the promotion (its commandstats, sampled every 50 ms). */
  oldMasterWritesAfterPromotion?: number;
}

export interface TopologyBasics extends ScenarioBasics {
  /** Records what the scenario saw of the failover (old and new master, when the old one stopped). */
  sawFailover(facts: FailoverFacts): void;
}

/** A failover scenario on a Sentinel set (1 master, 1 replica, 3 sentinels, down-after 2000 ms). */
export interface SentinelScenarioContext extends TopologyBasics {
  sentinel: SentinelSet;
}

/** A failover scenario on a 3 + 3 cluster (cluster-node-timeout 2000 ms). */
export interface ClusterScenarioContext extends TopologyBasics {
  cluster: Cluster;
}

/**
 * A scenario on a throwaway topology instead of one server: the app connects directly (no proxy)
 * through the library's Sentinel- or Cluster-aware client, and afterwards every write the client
 * acknowledged is read back from the final master(s).
 */
export type TopologyScenario =
  | {
      id: string;
      title: string;
      cause: Cause;
      topology: 'sentinel';
      run(ctx: SentinelScenarioContext): Promise<void>;
    }
  | {
      id: string;
      title: string;
      cause: Cause;
      topology: 'cluster';
      run(ctx: ClusterScenarioContext): Promise<void>;
    };

/** Any scenario of the lab. */
export type LabScenario = Scenario | TopologyScenario;

export const defineScenario = (scenario: Scenario): Scenario => scenario;
