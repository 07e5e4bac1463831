import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { ClientFactory, ClientFactoryOptions, ClientUnderTest } from './client-under-test.js';

/**
 * A client in any language, as a probe program speaking the lab's line protocol on stdin/stdout
 * (docs/lab.md, "Clients in other languages"): one JSON object per line each way. The probe's first
 * line is `{"event":"ready","library":"..."}`; then the lab writes `connect`, `send` and `subscribe`
 * commands with ids (they may overlap), the probe answers each id with `ok` and a value or the library's
 * error class and message, and reports `message` and `error` events unprompted. `close` asks it to exit.
 */
export const commandClient =
  (command: string): ClientFactory =>
  (options) =>
    new ProbeProcess(command, options).client();

/** How long a probe has to print its ready line, and to exit after `close`. */
const READY_MS = 10_000;
const EXIT_MS = 1000;
/** stderr kept for the error that names a failed probe (its last lines). */
const STDERR_KEPT = 2000;

/** An error as the probe's library raised it: `name` (and the class, for the report) is its class. */
export class ProbeError extends Error {}
const classes = new Map<string, typeof ProbeError>();

function probeError(error: { class?: unknown; message?: unknown } | undefined): Error {
  const name = typeof error?.class === 'string' && error.class ? error.class : 'Error';
  let Class = classes.get(name);
  if (!Class) {
    Class = class extends ProbeError {};
    // The report names an error by its constructor: make it the probe's class.
    Object.defineProperty(Class, 'name', { value: name });
    classes.set(name, Class);
  }
  const result = new Class(typeof error?.message === 'string' ? error.message : String(error?.message));
  result.name = name;
  return result;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

class ProbeProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, Pending>();
  private readonly onMessage = new Map<string, (message: string) => void>();
  private nextId = 1;
  private stderr = '';
  /** Set once the probe is unusable (exited, garbage, closed): every call then rejects with it. */
  private failure: Error | undefined;
  private library = '';
  private readonly ready: Promise<void>;
  private readyHook: () => void = () => undefined;
  private readonly failHooks: ((error: Error) => void)[] = [];
  private readonly exited: Promise<void>;

  constructor(
    private readonly command: string,
    private readonly options: Pick<ClientFactoryOptions, 'host' | 'port' | 'topology' | 'options'> &
      Partial<Pick<ClientFactoryOptions, 'onEvent'>>,
  ) {
    // Its own process group, so close() ends the probe and whatever `sh -c` started under it.
    this.child = spawn('sh', ['-c', command], { stdio: 'pipe', detached: true });
    this.child.stdin.on('error', () => undefined); // EPIPE once it has gone: the exit says why
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-STDERR_KEPT);
    });
    let readyResolve: () => void = () => undefined;
    let readyReject: (error: Error) => void = () => undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      readyResolve = resolve;
      readyReject = reject;
    });
    this.ready.catch(() => undefined);
    const readyTimer = setTimeout(
      () => this.fail(`did not print its ready line within ${READY_MS / 1000} s`),
      READY_MS,
    );
    this.failHooks.push((error) => {
      clearTimeout(readyTimer);
      readyReject(error);
    });
    this.readyHook = () => {
      clearTimeout(readyTimer);
      readyResolve();
    };
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        // Once stdout and stderr are drained: the stderr tail is complete.
        this.fail(`exited (${signal ? `signal ${signal}` : `code ${code}`})`);
        resolve();
      });
    });
    this.child.on('error', (error) => this.fail(`could not start: ${error.message}`));
    createInterface({ input: this.child.stdout }).on('line', (line) => this.line(line));
  }

  client(): ClientUnderTest {
    const self = this;
    return {
      get library() {
        return self.library || self.command.trim().split(/\s+/)[0] || self.command;
      },
      connect: async () => {
        await this.ready;
        const { host, port, topology, options } = this.options;
        await this.call({ op: 'connect', host, port, ...(topology ? { topology } : {}), options });
      },
      send: (args) => this.ready.then(() => this.call({ op: 'send', args })),
      subscribe: async (channel, onMessage) => {
        await this.ready;
        this.onMessage.set(channel, onMessage);
        await this.call({ op: 'subscribe', channel });
      },
      close: () => this.close(),
    };
  }

  /** Waits for the ready line: the probe started and speaks the protocol (or a one-line error why not). */
  async check(): Promise<string> {
    try {
      await this.ready;
      return this.library;
    } finally {
      await this.close();
    }
  }

  private call(message: Record<string, unknown>): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin.write(`${JSON.stringify({ id, ...message })}\n`);
    });
  }

  private line(line: string): void {
    if (this.failure || !line.trim()) return;
    let message: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(line);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      message = parsed as Record<string, unknown>;
    } catch {
      this.fail(`printed a line that is not a protocol JSON object: ${JSON.stringify(line.slice(0, 80))}`);
      return;
    }
    if (typeof message.id === 'number') {
      const waiter = this.pending.get(message.id);
      if (!waiter) return; // an answer to nothing asked: ignored
      this.pending.delete(message.id);
      if (message.ok === true) waiter.resolve(message.value);
      else waiter.reject(probeError(message.error as { class?: unknown; message?: unknown }));
      return;
    }
    this.event(message);
  }

  private event(message: Record<string, unknown>): void {
    const name = typeof message.event === 'string' ? message.event : '';
    if (name === 'ready') {
      if (typeof message.library === 'string') this.library = message.library;
      this.readyHook();
      return;
    }
    if (name === 'message') {
      const deliver = this.onMessage.get(String(message.channel));
      deliver?.(typeof message.message === 'string' ? message.message : JSON.stringify(message.message));
      return;
    }
    if (!name) {
      this.fail(
        `printed a line with neither "id" nor "event": ${JSON.stringify(JSON.stringify(message).slice(0, 80))}`,
      );
      return;
    }
    // 'error' and any connection event of the library ('close', 'reconnecting', ...), as the app saw it.
    const role = message.role === 'subscriber' ? 'subscriber' : 'client';
    const error = message.error as { class?: unknown; message?: unknown } | undefined;
    this.options.onEvent?.({
      role,
      event: name,
      ...(error && typeof error === 'object'
        ? { name: String(error.class ?? 'Error'), message: String(error.message ?? '') }
        : typeof message.message === 'string'
          ? { message: message.message }
          : {}),
    });
  }

  /** The probe is unusable: every pending and later call rejects with one line naming it and why. */
  private fail(why: string): void {
    if (this.failure) return;
    const tail = this.stderr.trim().split('\n').filter(Boolean).slice(-2).join(' | ');
    this.failure = new Error(`probe "${this.command}" ${why}${tail ? `; stderr: ${tail.slice(-300)}` : ''}`);
    for (const hook of this.failHooks) hook(this.failure);
    for (const waiter of this.pending.values()) waiter.reject(this.failure);
    this.pending.clear();
    this.kill('SIGKILL');
  }

  private async close(): Promise<void> {
    // Commands still waiting when the app closes never settled: they stay pending (the verdict counts them
    // as hung), not rejected with an error the library never raised.
    this.pending.clear();
    if (!this.failure) {
      this.child.stdin.write(`${JSON.stringify({ op: 'close' })}\n`);
      this.child.stdin.end();
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exited, new Promise((resolve) => (timer = setTimeout(resolve, EXIT_MS)))]);
    clearTimeout(timer);
    if (!this.failure) this.fail('was closed');
    this.kill('SIGKILL');
    this.child.stdout.destroy();
    this.child.stderr.destroy();
  }

  private kill(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal); // the group: sh and the probe it started
    } catch {
      // already gone
    }
  }
}

/**
 * Starts the probe once, with no server, and waits for its ready line: a command that does not exist, a
 * probe that prints something else or exits at once is a one-line error before any scenario runs.
 * Resolves with the library the probe named.
 */
export function checkProbe(command: string): Promise<string> {
  return new ProbeProcess(command, { host: '127.0.0.1', port: 0, options: {} }).check();
}
