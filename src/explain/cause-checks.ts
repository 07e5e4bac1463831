import type { Cause } from '../core/causes.js';
import { SERVER_KILLS } from '../core/server-kills.js';

/**
 * The one check that confirms or rules out each cause, as a command the user can run (the doctor runs
 * the same checks as rules when explain is given a URL). `<host>`/`<port>` are the server's.
 */
export const CAUSE_CHECKS: Readonly<Record<Cause, string>> = {
  'server-restart':
    "redis-cli -h <host> -p <port> INFO server | grep -E '^(uptime_in_seconds|run_id)': an uptime shorter than the errors' age means it restarted",
  'server-crash':
    "grep -nE 'crashed by signal|Redis is starting' <redis log>: a crash report before the last start means it crashed",
  'oom-kill': "journalctl -k | grep -iE 'out of memory|killed process .*redis': the kernel killed the server",
  'output-buffer-limit': `redis-cli -h <host> -p <port> INFO stats | grep ${SERVER_KILLS.outputBufferKills.field} (Redis 7.4+), or grep 'output buffer limits' <redis log>: clients closed for their reply backlog`,
  'query-buffer-limit': `redis-cli -h <host> -p <port> INFO stats | grep ${SERVER_KILLS.queryBufferKills.field} (Redis 7.4+), or grep 'max query buffer' <redis log>`,
  'client-eviction': `redis-cli -h <host> -p <port> INFO stats | grep ${SERVER_KILLS.evictedClients.field}: clients evicted under maxmemory-clients`,
  maxclients:
    "redis-cli -h <host> -p <port> INFO stats | grep rejected_connections, and CONFIG GET maxclients against INFO clients' connected_clients",
  'client-kill':
    "redis-cli -h <host> -p <port> INFO commandstats | grep 'cmdstat_client|kill': someone (a script, Sentinel) ran CLIENT KILL",
  'idle-timeout':
    'redis-cli -h <host> -p <port> CONFIG GET timeout: non-zero closes connections idle that many seconds',
  'lb-idle-reset':
    'lifeline doctor redis://<host>:<port> --lb-idle-timeout <the load balancer or NAT idle timeout, e.g. 350s>: keepalive must be shorter than it',
  'half-open':
    'on the app host: ss -tno state established dst <host>:<port>, each socket needs timer:(keepalive,...) (lifeline doctor run there reads it)',
  failover:
    "redis-cli -h <host> -p <port> INFO replication | grep -E '^(role|master_host)', and the Sentinel log for +switch-master: the master moved",
  network:
    'on the app host: ss -ti dst <host>:<port> | grep -o "retrans:[0-9/]*" (lifeline doctor run there reads it): retransmissions mean loss on the path',
  tls: 'openssl s_client -connect <host>:<port> -servername <host>: the certificate, its chain and the protocol the server offers',
  'app-misuse':
    "the app's own use: redis-cli -h <host> -p <port> PING from the app host with the app's address (a wrong host or port refuses or does not resolve); a client created before fork() (gunicorn/uwsgi preload, php-fpm, Resque, Puma) or used before connect()/after quit()",
  'client-bug': "the client's version against its changelog for the message: upgrade past the fix",
  unknown: 'lifeline doctor redis://<host>:<port>: every check at once',
};
