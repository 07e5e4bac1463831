/**
 * Which client library wrote an error, from its words: class names, module paths in a stack trace,
 * message shapes only one library prints. Each library's own words, never the errno text they share.
 */
export const CLIENTS = {
  ioredis: { language: 'javascript' },
  'node-redis': { language: 'javascript' },
  'redis-py': { language: 'python' },
  'redis-rb': { language: 'ruby' },
  phpredis: { language: 'php' },
  hiredis: { language: 'c' },
} as const;

export type ClientName = keyof typeof CLIENTS;
export type Language = (typeof CLIENTS)[ClientName]['language'];

const SIGNATURES: readonly [ClientName, RegExp][] = [
  [
    'ioredis',
    /ioredis|Connection is closed\.|Command queue state error|MaxRetriesPerRequestError|max retries per request limit|Stream isn't writeable|enableOfflineQueue|ClusterAllFailedError|Failed to refresh slots cache|None of the sentinels are available|All sentinels are unreachable/,
  ],
  [
    'node-redis',
    /@(node-)?redis\/client|node_modules\/redis\/|Redis connection to \S+ failed - |SocketClosedUnexpectedlyError|Socket closed unexpectedly|ClientClosedError|The client is closed|ConnectionTimeoutError|ReconnectStrategyError|SimpleError|ErrorReply|DisconnectsClientError/,
  ],
  [
    'redis-py',
    /redis\.exceptions\.|redis\/(connection|client|asyncio)[\w/]*\.py|\bredis-py\b|Error \d+ (connecting to|while (reading|writing))|Error while reading from |Timeout reading from socket|Connection not ready|Timeout connecting to server|Connection closed by server\.|Socket closed on remote end|Connection reset by peer'\)/,
  ],
  [
    'redis-rb',
    /Redis::[A-Z]|RedisClient::|redis-client|\bredis-rb\b|gems\/redis-|redis\/[\w/]+\.rb|Error connecting to Redis on|\(Errno::E[A-Z]+\)/,
  ],
  [
    'phpredis',
    /RedisException|RedisClusterException|phpredis|read error on connection|Redis server went away|socket error on read socket|Error processing response from Redis node|Redis->|Redis(Cluster)?::\w+\(\)/,
  ],
  ['hiredis', /hiredis(?!\.rb)|REDIS_ERR|redisContext|redisCommand|Server closed the connection/],
];

/** Words of a language's runtime, not of one library: the language is known, the client is not. */
const RUNTIMES: readonly [Language, RegExp][] = [
  ['javascript', /\b(read|write|connect) E[A-Z]+\b|ReplyError|node:internal|\.js:\d+:\d+/],
  ['python', /ConnectionResetError|BrokenPipeError|Traceback \(most recent call last\)|\.py", line \d+/],
  ['ruby', /Errno::E[A-Z]+|OpenSSL::SSL|\.rb:\d+:in /],
  ['php', /PHP (Fatal error|Warning|Notice)|Notice: Unknown: send of|\.php(:| on line )\d+/],
];

export interface ClientGuess {
  /** The one library the words name, or undefined when they fit several or none. */
  client?: ClientName;
  language?: Language;
}

/** The client (and so the language) the words belong to, as far as they tell. */
export function clientOf(text: string): ClientGuess {
  const named = SIGNATURES.filter(([, words]) => words.test(text)).map(([name]) => name);
  if (named.length === 1) {
    const client = named[0] as ClientName;
    return { client, language: CLIENTS[client].language };
  }
  if (named.length === 0) {
    const runtime = RUNTIMES.find(([, words]) => words.test(text));
    return runtime ? { language: runtime[0] } : {};
  }
  const languages = new Set(named.map((name) => CLIENTS[name].language));
  return languages.size === 1 ? { language: [...languages][0] as Language } : {};
}
