import type { ClientUnderTest, SeenEvent } from '../clients/client-under-test.js';
import { describeError } from '../clients/client-under-test.js';

/** One command the application sent, and what became of it. */
export interface TrackedCommand {
  seq: number;
  /** 'write': INCR lab:w:<seq>, so the server can tell how often it ran. 'read': anything else. */
  kind: 'write' | 'read' | 'probe';
  command: string;
  sentAt: number;
  settledAt?: number;
  outcome?: 'ok' | 'error';
  reply?: string;
  error?: string;
  /** The error as the library raised it: class, code, message (the error catalogue's input). */
  failure?: Pick<SeenEvent, 'name' | 'code' | 'message'>;
  /** A write in a failover scenario: the port of the master that holds its key at the end. */
  node?: number;
}

/** The key a tracked write increments: its value on the server is how many times it ran. */
export const writeKey = (seq: number): string => `lab:w:${seq}`;

/** The application's traffic through the client under test, every promise tracked until it settles. */
export class AppTraffic {
  readonly commands: TrackedCommand[] = [];
  readonly published: number[] = [];
  readonly received = new Set<number>();
  private seq = 0;

  constructor(
    private readonly client: ClientUnderTest,
    private readonly now: () => number,
  ) {}

  /** INCR lab:w:<seq>: a non-idempotent write whose executions the server counts. */
  write(): Promise<void> {
    const seq = ++this.seq;
    return this.track({ seq, kind: 'write', command: `INCR ${writeKey(seq)}`, sentAt: this.now() }, [
      'INCR',
      writeKey(seq),
    ]);
  }

  /** Any other command (a big read, a big SET); its outcome is tracked, not its effect. */
  read(args: string[], label = args[0] ?? ''): Promise<void> {
    return this.track({ seq: ++this.seq, kind: 'read', command: label, sentAt: this.now() }, args);
  }

  /**
   * PING every `everyMs` until one succeeds or `boundMs` passes: the time of the first success is
   * recovery. Pings that never settle are counted like any other command.
   */
  async probe(boundMs: number, everyMs = 100): Promise<TrackedCommand | undefined> {
    const until = this.now() + boundMs;
    while (this.now() < until) {
      const command: TrackedCommand = { seq: ++this.seq, kind: 'probe', command: 'PING', sentAt: this.now() };
      const settled = this.track(command, ['PING']);
      await Promise.race([settled, sleep(Math.min(1000, Math.max(0, until - this.now())))]);
      if (command.outcome === 'ok') return command;
      if (command.outcome === undefined) continue; // still pending: try another alongside
      await sleep(everyMs);
    }
    return undefined;
  }

  subscribe(channel: string): Promise<void> {
    return this.client.subscribe(channel, (message) => {
      const n = Number(message.split(':')[0]);
      if (Number.isInteger(n)) this.received.add(n);
    });
  }

  /** Resolves when every tracked command has settled, or after `boundMs`. */
  async settle(boundMs: number): Promise<void> {
    const until = this.now() + boundMs;
    while (this.commands.some((c) => c.outcome === undefined) && this.now() < until) await sleep(50);
  }

  private track(command: TrackedCommand, args: string[]): Promise<void> {
    this.commands.push(command);
    return this.client.send(args).then(
      (reply) => {
        command.settledAt = this.now();
        command.outcome = 'ok';
        command.reply = String(reply).slice(0, 40);
      },
      (error: unknown) => {
        command.settledAt = this.now();
        command.outcome = 'error';
        const e = describeError(error);
        command.failure = e;
        command.error = `${e.name ?? 'Error'}${e.code ? ` ${e.code}` : ''}: ${e.message ?? ''}`.slice(0, 160);
      },
    );
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
