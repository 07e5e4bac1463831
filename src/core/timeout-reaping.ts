/**
 * Whether the server's `timeout` closes this client once it is idle for longer (timeout.c
 * clientsCronHandleTimeout, Redis 7.0): every client except replicas (S) and MONITOR clients (O,
 * replicas to the server), masters (M), blocked clients (b, BLPOP: their own timeout applies) and
 * pub/sub subscribers (P). These are the connections a pool keeps idle.
 */
export const reapedByTimeout = (client: { flags: string }): boolean => !/[SMObP]/.test(client.flags);
