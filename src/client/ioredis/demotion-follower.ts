import type { IoredisCommand, IoredisInternals } from './internals.js';

/** The move lifeline makes: from the demoted server to the master it names (undefined: unknown). */
export interface Demotion {
  /**
   * The refusal that showed it: a replica answers writes READONLY; while its link to its master is
   * down, with `replica-serve-stale-data no`, it answers reads MASTERDOWN (writes too when it is not
   * read-only).
   */
  by: 'READONLY' | 'MASTERDOWN';
  from: string;
  to: string | undefined;
}

export interface DemotionFollowerDeps {
  /** The server of the live connection ("host:port"). */
  endpoint(): string;
  /** The role the server gave at the connection's last ready ('master', 'slave'), if known. */
  roleAtReady(): string | undefined;
  /** A command of lifeline's own on the client's connection. */
  call(args: readonly string[]): Promise<unknown>;
  /** lifeline's own commands, never moved for. */
  isOurs(command: IoredisCommand): boolean;
  /** Told before the connection is closed: the drop that follows is this failover. */
  leaving(demotion: Demotion): void;
}

/** A demotion is followed at most this often: a server that stays a replica is not reconnected to in a loop. */
const COOLDOWN_MS = 2_000;
/** The demoted server's ROLE names its master; not waited for longer than this. */
const ROLE_TIMEOUT_MS = 1_000;
/** A master named by ROLE is used for the next connect within this long, once. */
const HINT_MS = 10_000;

/** A replica's refusal (the command did not run): READONLY, or MASTERDOWN (its link to its master is down). */
const refusedBy = (error: Error): Demotion['by'] | undefined =>
  error.message.startsWith('READONLY')
    ? 'READONLY'
    : error.message.startsWith('MASTERDOWN')
      ? 'MASTERDOWN'
      : undefined;

/**
 * A master demoted under a connected ioredis client (the FAILOVER command, a demotion the sentinels
 * have not announced, a name whose address moved) answers every write with -READONLY (and reads with
 * -MASTERDOWN while its link to its new master is down, with `replica-serve-stale-data no`), and ioredis
 * keeps that connection (no `reconnectOnError` by default): every write fails until the app restarts.
 * lifeline asks the demoted server which master it now follows (ROLE), moves the client (a
 * Sentinel-managed client: its next connect goes to that master once, the sentinels may not know yet;
 * a standalone one: a plain reconnect) and sends the refused commands again after the reconnect: a
 * command refused with READONLY or MASTERDOWN did not run. Left alone: a `reconnectOnError` of the application's,
 * a connection that was a replica when it became ready, commands in MULTI or a pipeline (refused as
 * ever; they still trigger the move).
 */
export function followDemotions(client: IoredisInternals, deps: DemotionFollowerDeps): void {
  type Refused = Parameters<IoredisInternals['handleReconnection']>[1];
  let held: Refused[] | undefined;
  /** The connection to the demoted server, closing: its READONLY replies still arrive. */
  let left: unknown;
  let lastMoveAt = Number.NEGATIVE_INFINITY;
  let hint: { host: string; port: number; until: number } | undefined;

  const original = client.handleReconnection.bind(client);
  client.handleReconnection = (error, item) => {
    const by = refusedBy(error);
    if (by && alone(item.command) && !deps.isOurs(item.command)) {
      if (held) {
        held.push(item); // a move is under way
        return;
      }
      if (left !== undefined && item.stream === left) {
        resend(item); // written to the demoted server before the move closed its connection
        return;
      }
    }
    if (!applies(error, item.command)) return original(error, item);
    if (alone(item.command)) {
      held = [item];
    } else {
      held = [];
      original(error, item);
    }
    void move(by as Demotion['by']);
  };

  const alone = (command: IoredisCommand) => !command.inTransaction && command.pipelineIndex === undefined;
  const applies = (error: Error, command: IoredisCommand) =>
    refusedBy(error) !== undefined &&
    !client.options.reconnectOnError &&
    !deps.isOurs(command) &&
    client.status === 'ready' &&
    deps.roleAtReady() !== 'slave' &&
    performance.now() - lastMoveAt >= COOLDOWN_MS;

  async function move(by: Demotion['by']): Promise<void> {
    lastMoveAt = performance.now();
    const from = deps.endpoint();
    const to = await masterOfDemoted();
    // Closed by the application, or dropped, while ROLE was asked: nothing to leave; the refused
    // commands go the way of the rest (offline until the reconnect, or rejected as closed).
    if (client.status === 'ready') {
      if (to) hint = { ...to, until: Date.now() + HINT_MS };
      deps.leaving({ by, from, to: to ? `${to.host}:${to.port}` : undefined });
      left = client.stream;
      client.disconnect(true);
    }
    const refused = held ?? [];
    held = undefined;
    for (const item of refused) resend(item);
  }

  /** As ioredis's reconnectOnError 2: the stream is closing, so the command waits offline for the reconnect. */
  function resend(item: Refused): void {
    if (
      item.select !== undefined &&
      client.condition?.select !== item.select &&
      item.command.name !== 'select'
    )
      void client.select(item.select);
    void client.sendCommand(item.command);
  }

  async function masterOfDemoted(): Promise<{ host: string; port: number } | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const role = await Promise.race([
      deps.call(['ROLE']).catch(() => undefined),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), ROLE_TIMEOUT_MS);
      }),
    ]).finally(() => clearTimeout(timer));
    // Replies to lifeline's own commands come as Buffers: ['slave', host, port, state, offset].
    if (!Array.isArray(role) || String(role[0]) !== 'slave') return undefined;
    const host = String(role[1] ?? '');
    const port = Number(String(role[2]));
    return host && Number.isInteger(port) && port > 0 ? { host, port } : undefined;
  }

  // A Sentinel-managed client asks a sentinel on every connect; the sentinels notice a FAILOVER
  // command only after down-after-milliseconds and more, so the next connect goes where ROLE said.
  // ioredis's own ready check still refuses it if it is not a master.
  const connector = client.connector;
  const resolve = connector?.resolve?.bind(connector);
  if (resolve) {
    connector.resolve = async (endpoint: unknown) => {
      const next = hint;
      hint = undefined;
      if (!next || Date.now() >= next.until) return resolve(endpoint);
      const address = { host: next.host, port: next.port };
      // The address as the sentinels would give it, through the application's natMap.
      return connector.sentinelNatResolve?.(address) ?? address;
    };
  }
}
