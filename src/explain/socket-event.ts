/**
 * What happened on the socket, as a client's error words tell it, whatever the client: the first
 * question of every "connection reset" guide, since each event has its own short list of causes.
 */
export const SOCKET_EVENTS = {
  eof: 'the server (or something on the path) closed the connection: a FIN, read as end of stream',
  reset: 'the connection was reset: a RST answered a read or a write (ECONNRESET, EPIPE / broken pipe)',
  timeout: 'the client gave up waiting: no reply, or no connection, within its timeout',
  refused: 'nothing accepted the connection: the port was closed (ECONNREFUSED)',
  unreachable: 'the address could not be reached or resolved (EHOSTUNREACH, ENETUNREACH, DNS)',
  'server-error':
    'the server answered with an error reply (ERR max number of clients, LOADING, READONLY, ...)',
  closed: 'the client refused the command itself: it already knew its connection was down',
  tls: 'the TLS handshake or the certificate check failed',
  protocol: 'the client and the server no longer agree where a reply starts (a desynchronised stream)',
} as const;

export type SocketEvent = keyof typeof SOCKET_EVENTS;

/**
 * The words of each event, most specific first: a server's reply about clients, a desync and TLS are
 * told apart before the errno words they may carry; ECONNRESET inside "Connection lost (ECONNRESET)" is
 * a reset, not an end of stream.
 */
const WORDS: readonly [SocketEvent, RegExp][] = [
  ['tls', /\b(TLS|SSL)\b|certificate|handshake|EPROTO|self[- ]signed|wrong version number|UNABLE_TO_VERIFY/i],
  [
    'protocol',
    /protocol error|ProtocolError|invalid (multi)?bulk length|unbalanced quotes|unknown response type|bad response|expected .{1,20} got/i,
  ],
  [
    'server-error',
    /(^|[\s:'"(])(ERR max number of clients reached|max number of clients reached|LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|NOAUTH|WRONGPASS|OOM command not allowed|BUSY Redis is busy|MISCONF)\b/,
  ],
  ['refused', /ECONNREFUSED|connection refused|Error 111\b|errno 111|\(111,/i],
  [
    'unreachable',
    /EHOSTUNREACH|ENETUNREACH|no route to host|network is unreachable|ENOTFOUND|EAI_AGAIN|getaddrinfo|name or service not known|temporary failure in name resolution|php_network_getaddresses/i,
  ],
  [
    'reset',
    /ECONNRESET|ConnectionResetError|socket error on read|WinError 10054|reset by peer|Error 104\b|errno 104|\(104,|EPIPE|broken pipe|Error 32\b|ECONNABORTED|connection abort/i,
  ],
  ['timeout', /ETIMEDOUT|timed? ?out|TimeoutError|\btimeout\b|Resource temporarily unavailable|EAGAIN/i],
  [
    'eof',
    /socket closed unexpectedly|closed by server|server closed the connection|connection lost|\bEOF\b|EOFError|end of (file|stream)|read error on connection|closed on remote end|connection closed|connection was closed|ConnectionClosedError/i,
  ],
  [
    'closed',
    /connection is closed|client is closed|went away|child process without reconnecting|ClientClosedError|stream isn't writeable|enableOfflineQueue|max retries per request|MaxRetriesPerRequestError|not connected|connection already closed/i,
  ],
];

/** The event the words name, or undefined when they name none. */
export function socketEventOf(text: string): SocketEvent | undefined {
  for (const [event, words] of WORDS) if (words.test(text)) return event;
  return undefined;
}
