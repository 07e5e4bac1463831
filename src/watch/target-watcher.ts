import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { LogEvent } from '../core/log/summarize-log.js';
import { DEFAULT_BUFFER_LIMITS, effectiveLimit, parseBufferLimits } from '../core/parse-buffer-limits.js';
import type { RedisTarget } from '../core/redis-url.js';
import { notPermitted } from '../doctor/collectors/context.js';
import { isLoopback } from '../doctor/collectors/host.js';
import type { Evidence } from '../doctor/evidence.js';
import { redisCli } from '../doctor/rules/helpers.js';
import type { DetectContext, Detection, DetectorMemory, Round, RunEnd } from './detectors/detect-context.js';
import { DETECTORS } from './detectors/index.js';
import { detectUnreachable } from './detectors/target-unreachable.js';
import { doctorAdvice, type TargetIdentity } from './doctor-advice.js';
import { type ResolvedWatchOptions, WATCH_DEFAULTS } from './options.js';
import { LogTail } from './sampling/log-tail.js';
import { type ClientList, readClientList } from './sampling/read-client-list.js';
import { counters, gauges, readInfo, serverFacts } from './sampling/read-info.js';
import { TargetLink } from './sampling/target-link.js';
import type { Sample } from './types.js';

// A CLIENT LIST line is 250-350 bytes; the reply counts against our normal-class output buffer limit.
const BYTES_PER_CLIENT = 350;

export interface TargetEvents {
  sample(sample: Sample): void;
  detection(detection: Detection, advice: ReturnType<typeof doctorAdvice>, at: number): void;
  warning(message: string): void;
}

/**
 * Samples one target every round: INFO always, CONFIG now and then, CLIENT LIST within its time
 * budget, the server log when it is local. A failed round is a sample with up=false, and the
 * connection is opened again on the next one.
 */
export class TargetWatcher {
  private readonly link: TargetLink;
  private readonly identity: TargetIdentity;
  private prev: Round | undefined;
  private lastList: ClientList | undefined;
  private nextListAt = 0;
  private downSince: number | undefined;
  private connectsAtPrev = 0;
  private log: LogTail | undefined;
  private logChecked = false;
  private runEndFlags = { clean: false, crashReport: false };
  private pendingRunEnd: RunEnd;
  private readonly memory: DetectorMemory = { churnBaselinePerS: 0, reportedGhosts: new Set() };

  constructor(
    readonly target: RedisTarget,
    private readonly options: ResolvedWatchOptions,
    private readonly events: TargetEvents,
  ) {
    this.link = new TargetLink(target, options);
    this.identity = {
      url: target.url,
      host: target.host,
      port: target.port,
      tls: target.tls,
      hasAuth: target.password !== undefined,
      username: target.username,
    };
  }

  /** Opens the connection; a target that cannot be used at start is the user's error (exit 2). */
  async open(): Promise<void> {
    await this.link.open();
  }

  close(): void {
    this.link.close();
  }

  async round(): Promise<Sample> {
    const at = Date.now();
    let sample: Sample;
    try {
      sample = await this.sampleOnce(at);
    } catch (error) {
      this.link.close();
      const message = (error as Error).message.replace(/\s+/g, ' ').trim();
      sample = { target: this.target.url, at, up: false, error: message, durationMs: Date.now() - at };
      if (this.downSince === undefined) {
        this.downSince = at;
        const last = this.prev?.sample;
        this.events.detection(
          detectUnreachable(
            message,
            last ? { at: last.at, connectedClients: last.gauges.connectedClients } : undefined,
            this.cli,
          ),
          undefined,
          at,
        );
      }
    }
    this.events.sample(sample);
    return sample;
  }

  private async sampleOnce(at: number): Promise<Sample> {
    const connectsBefore = this.link.connectsMade;
    const redis = await this.link.open();
    const started = performance.now();
    const info = await readInfo(redis);
    const durationMs = Math.round((performance.now() - started) * 100) / 100;
    const server = serverFacts(info);
    if (this.link.connectsMade !== connectsBefore)
      await this.link.nameLibrary(server.product, server.version);
    await this.link.refreshConfig(WATCH_DEFAULTS.configEveryMs);
    const config = this.link.config;
    const logEvents = await this.readLog(server.pid, config);
    const clientList = await this.maybeListClients(info.fields.connected_clients, config);

    const sample = {
      target: this.target.url,
      at,
      up: true,
      durationMs,
      server,
      counters: counters(info),
      gauges: gauges(info, config),
      ...(clientList ? { clients: clientList.facts } : {}),
    };
    const cur: Round = { sample, info, logEvents, ...(clientList ? { clientList } : {}) };
    const restarted = this.prev !== undefined && this.prev.sample.server.runId !== server.runId;
    const ctx: DetectContext = {
      cur,
      prev: this.prev,
      // Clients listed before a restart vanished with it, not one by one.
      prevList: restarted ? undefined : this.lastList,
      config,
      logFollowed: this.log !== undefined,
      previousRunEnd: restarted ? this.pendingRunEnd : undefined,
      downSince: this.downSince,
      ownConnects: this.link.connectsMade - this.connectsAtPrev,
      options: this.options,
      memory: this.memory,
      cli: this.cli,
    };
    for (const detector of DETECTORS) {
      for (const detection of detector(ctx)) {
        this.events.detection(detection, doctorAdvice(detection.cause, ctx, this.identity), at);
      }
    }
    if (restarted) this.pendingRunEnd = undefined;
    this.prev = cur;
    if (clientList) this.lastList = { ...clientList, text: '' };
    this.downSince = undefined;
    this.connectsAtPrev = this.link.connectsMade;
    return sample;
  }

  /** CLIENT LIST when its last cost fits the budget, and when its reply cannot get us killed. */
  private async maybeListClients(
    connectedText: string | undefined,
    config: Record<string, string> | undefined,
  ): Promise<ClientList | undefined> {
    const now = Date.now();
    if (now < this.nextListAt) return undefined;
    const limitText = config?.['client-output-buffer-limit'];
    const limits = limitText ? parseBufferLimits(limitText) : DEFAULT_BUFFER_LIMITS;
    const normalLimit = effectiveLimit(limits.normal);
    if (normalLimit > 0 && Number(connectedText ?? 0) * BYTES_PER_CLIENT >= normalLimit / 2) {
      this.nextListAt = now + 60_000;
      this.events.warning(
        `${this.target.url}: CLIENT LIST skipped: its reply could exceed the normal-class output buffer limit and get watch's connection killed`,
      );
      return undefined;
    }
    const redis = await this.link.open();
    let list: ClientList;
    try {
      list = await readClientList(redis, this.link.ownId, limits);
    } catch (error) {
      const denied = notPermitted(error);
      if (!denied) throw error;
      // An ACL user without CLIENT LIST still gets every counter-based incident.
      this.nextListAt = now + 10 * 60_000;
      this.events.warning(
        `${this.target.url}: CLIENT LIST is not permitted (${denied}); idle reaping and ghosts are not watched`,
      );
      return undefined;
    }
    // Spend at most `clientListBudget` of wall time on it: a 20 ms listing runs every 2 s at 1%.
    this.nextListAt =
      now + list.facts.durationMs / this.options.clientListBudget - this.options.intervalMs / 10;
    return list;
  }

  /** New log events, when the log is followed; following starts on the first round that can. */
  private async readLog(pid: number, config: Record<string, string> | undefined): Promise<LogEvent[]> {
    if (!this.logChecked && (this.options.logPath || config)) {
      this.logChecked = true;
      const path = this.options.logPath ?? (await this.localLogPath(pid, config));
      if (path) {
        const tail = new LogTail(path, WATCH_DEFAULTS.logReadMaxBytes);
        try {
          await tail.start();
          this.log = tail;
        } catch (error) {
          this.events.warning(
            `${this.target.url}: cannot follow the log ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
          );
        }
      }
    }
    if (!this.log) return [];
    const events = await this.log.read().catch(() => []);
    for (const ev of events) this.trackRunEnd(ev);
    return events;
  }

  /** A start banner closes the previous run: clean if it said bye, a crash if it wrote a report. */
  private trackRunEnd(ev: LogEvent): void {
    if (ev.kind === 'shutdown-complete') this.runEndFlags.clean = true;
    if (ev.kind === 'crash') this.runEndFlags.crashReport = true;
    if (ev.kind === 'start') {
      const f = this.runEndFlags;
      this.pendingRunEnd = f.crashReport ? 'crash-report' : f.clean ? 'clean' : 'killed';
      this.runEndFlags = { clean: false, crashReport: false };
    }
  }

  /** CONFIG's logfile, only when the server process is provably this machine's (never a remote path). */
  private async localLogPath(
    pid: number,
    config: Record<string, string> | undefined,
  ): Promise<string | undefined> {
    const logfile = config?.logfile ?? '';
    if (logfile === '' || !isLoopback(this.target.host)) return undefined;
    const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
    if (!/redis|valkey/.test(comm)) return undefined;
    return isAbsolute(logfile) ? logfile : join(config?.dir ?? '', logfile);
  }

  private readonly cli = (...args: string[]): string =>
    redisCli({ target: this.identity } as Pick<Evidence, 'target'> as Evidence, ...args);
}
