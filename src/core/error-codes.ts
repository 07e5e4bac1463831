/**
 * Every `code` redis-lifeline puts on an error, in one place: callers match on these strings, so they
 * are a contract. Raise errors with `ERROR_CODES.x`, never with an inline string (a test checks that
 * no other file under src/ spells one out), and describe each new code in docs/errors.md.
 */
export const ERROR_CODES = {
  // Redis URLs and connecting (doctor, watch)
  badUrl: 'ERR_LIFELINE_BAD_URL',
  unreachable: 'ERR_LIFELINE_UNREACHABLE',
  auth: 'ERR_LIFELINE_AUTH',
  serverFull: 'ERR_LIFELINE_SERVER_FULL',
  protectedMode: 'ERR_LIFELINE_PROTECTED_MODE',
  notRedis: 'ERR_LIFELINE_NOT_REDIS',
  tls: 'ERR_LIFELINE_TLS',
  tlsCa: 'ERR_LIFELINE_TLS_CA',
  /** Doctor/watch: no reply while connecting. Client: a command did not settle in time. */
  timeout: 'ERR_LIFELINE_TIMEOUT',
  closed: 'ERR_LIFELINE_CLOSED',
  connect: 'ERR_LIFELINE_CONNECT',
  replyTooLarge: 'ERR_LIFELINE_REPLY_TOO_LARGE',

  // doctor
  log: 'ERR_LIFELINE_LOG',
  unknownRule: 'ERR_LIFELINE_UNKNOWN_RULE',

  // topologies (doctor, watch)
  sentinelUnreachable: 'ERR_LIFELINE_SENTINEL_UNREACHABLE',
  unknownMaster: 'ERR_LIFELINE_UNKNOWN_MASTER',
  isSentinel: 'ERR_LIFELINE_IS_SENTINEL',
  notCluster: 'ERR_LIFELINE_NOT_CLUSTER',
  clusterDenied: 'ERR_LIFELINE_CLUSTER_DENIED',

  // watch
  noTarget: 'ERR_LIFELINE_NO_TARGET',
  noPerm: 'ERR_LIFELINE_NOPERM',
  metricsPort: 'ERR_LIFELINE_METRICS_PORT',
  history: 'ERR_LIFELINE_HISTORY',
  badWebhook: 'ERR_LIFELINE_BAD_WEBHOOK',

  // CLI
  explainInput: 'ERR_LIFELINE_EXPLAIN_INPUT',
  correlateInput: 'ERR_LIFELINE_CORRELATE_INPUT',
  reportOutput: 'ERR_LIFELINE_REPORT_OUTPUT',
  proxyConfig: 'ERR_LIFELINE_PROXY_CONFIG',

  // client (lifeline())
  maybeExecuted: 'ERR_LIFELINE_MAYBE_EXECUTED',
  poisonCommand: 'ERR_LIFELINE_POISON_COMMAND',
  clientClosed: 'ERR_LIFELINE_CLIENT_CLOSED',

  // lab
  labClient: 'ERR_LIFELINE_LAB_CLIENT',
  labScenario: 'ERR_LIFELINE_LAB_SCENARIO',
  labOptions: 'ERR_LIFELINE_LAB_OPTIONS',
  noRedisServer: 'ERR_LIFELINE_NO_REDIS_SERVER',
  redisStart: 'ERR_LIFELINE_REDIS_START',
  topologyOptions: 'ERR_LIFELINE_TOPOLOGY_OPTIONS',
  topologyStart: 'ERR_LIFELINE_TOPOLOGY_START',
  topologyTimeout: 'ERR_LIFELINE_TOPOLOGY_TIMEOUT',
  topologyUnreachable: 'ERR_LIFELINE_TOPOLOGY_UNREACHABLE',

  // lab proxy: proxies and toxics
  proxyAddress: 'ERR_LIFELINE_PROXY_ADDRESS',
  proxyListen: 'ERR_LIFELINE_PROXY_LISTEN',
  proxyNotFound: 'ERR_LIFELINE_PROXY_NOT_FOUND',
  proxyExists: 'ERR_LIFELINE_PROXY_EXISTS',
  proxyDuplicate: 'ERR_LIFELINE_PROXY_DUPLICATE',
  proxyClosed: 'ERR_LIFELINE_PROXY_CLOSED',
  toxicType: 'ERR_LIFELINE_TOXIC_TYPE',
  toxicStream: 'ERR_LIFELINE_TOXIC_STREAM',
  toxicExists: 'ERR_LIFELINE_TOXIC_EXISTS',
  toxicNotFound: 'ERR_LIFELINE_TOXIC_NOT_FOUND',
  toxicToxicity: 'ERR_LIFELINE_TOXIC_TOXICITY',
  toxicAttribute: 'ERR_LIFELINE_TOXIC_ATTRIBUTE',

  // lab proxy: the HTTP control API
  controlAddress: 'ERR_LIFELINE_CONTROL_ADDRESS',
  controlListen: 'ERR_LIFELINE_CONTROL_LISTEN',
  badRequest: 'ERR_LIFELINE_BAD_REQUEST',
  missingField: 'ERR_LIFELINE_MISSING_FIELD',
  forbidden: 'ERR_LIFELINE_FORBIDDEN',
  method: 'ERR_LIFELINE_METHOD',
  notFound: 'ERR_LIFELINE_NOT_FOUND',
  notImplemented: 'ERR_LIFELINE_NOT_IMPLEMENTED',
  internal: 'ERR_LIFELINE_INTERNAL',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];
