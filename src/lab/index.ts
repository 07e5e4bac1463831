export type { ChaosLibrary } from './chaos/chaos-client.js';
export { FAULT_KINDS, type Fault, type FaultKind, faultSchedule } from './chaos/fault-schedule.js';
export { type ChaosOptions, type ChaosReport, chaosViolations, runChaos } from './chaos/run-chaos.js';
export type { ToxicSpec } from './proxy/active-toxic.js';
export {
  type ControlApi,
  type ControlApiOptions,
  DEFAULT_CONTROL_PORT,
  type ProxyJson,
  proxyJson,
  startControlApi,
} from './proxy/control-api.js';
export { ProxyError } from './proxy/errors.js';
export { FaultProxy, type NewToxic, type ProxyOptions } from './proxy/proxy.js';
export { type ProxyFields, ProxyRegistry } from './proxy/registry.js';
export { findRedisServer, INSTALL_HINT } from './redis-server/find-binary.js';
export { freePort } from './redis-server/free-port.js';
export {
  type Cluster,
  type ClusterMaster,
  type ClusterNode,
  type ClusterPeer,
  type StartClusterOptions,
  startCluster,
} from './redis-server/start-cluster.js';
export { type RedisServer, type StartRedisOptions, startRedis } from './redis-server/start-redis.js';
export {
  type MasterAddress,
  type SentinelNode,
  type SentinelSet,
  type StartSentinelOptions,
  startSentinel,
} from './redis-server/start-sentinel.js';
export type { AttributeSpec, ToxicDefinition } from './toxics/define-toxic.js';
export { TOXICS, toxicByType } from './toxics/index.js';
