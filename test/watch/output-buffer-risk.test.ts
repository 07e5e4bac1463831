/**
 * One set of output-buffer risk thresholds (core/output-buffer-risk.ts) for the doctor's rule, watch's
 * detector and watch's max_output_buffer_ratio: half of the class's limit, above a 64 KB floor, or
 * already scheduled to be closed (flag A).
 */
import { describe, expect, it } from 'vitest';
import { parseBufferLimits } from '../../src/core/parse-buffer-limits.js';
import { summarizeClientList } from '../../src/doctor/collectors/clients.js';
import { diagnose } from '../../src/doctor/diagnose.js';
import { type Evidence, ok } from '../../src/doctor/evidence.js';
import { detectOutputBufferAtRisk } from '../../src/watch/detectors/output-buffer-at-risk.js';
import { doctorAdvice } from '../../src/watch/doctor-advice.js';
import { briefClientList } from '../../src/watch/sampling/read-client-list.js';
import { fixtureEvidence } from '../support/fixture-evidence.js';
import { adviceContext, adviceRound, CAPTURE_TARGET } from './support/advice-round.js';

const KB = 1024;

const line = (id: number, name: string, flags: string, omem: number) =>
  `id=${id} addr=10.0.0.5:${40000 + id} laddr=10.0.0.1:6379 fd=8 name=${name} age=100 idle=0 flags=${flags} db=0 sub=${flags.includes('P') ? 1 : 0} psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=10 omem=${omem} tot-mem=${omem + 2000} events=rw cmd=${flags.includes('P') ? 'subscribe' : 'get'} user=default redir=-1 resp=2 lib-name=ioredis lib-ver=5.4.1`;

/** The same CLIENT LIST and CONFIG as the doctor and as watch see them. */
function both(limit: string, lines: string[]) {
  const text = ['id=1 addr=10.0.0.9:1 name=me flags=N omem=0 cmd=client|list', ...lines].join('\n');
  const base = fixtureEvidence('redis-7.4.1', 'healthy');
  if (base.config.status !== 'ok' || base.info.status !== 'ok') throw new Error('fixture');
  const config = { ...base.config.value, 'client-output-buffer-limit': limit };
  const evidence: Evidence = { ...base, config: ok(config), clients: ok(summarizeClientList(text, '1')) };
  const list = { at: 0, text, ownId: '1', ...briefClientList(text, '1', parseBufferLimits(limit), 1) };
  const round = adviceRound(base.info.value, 0, config, { clientList: list });
  const ctx = adviceContext(round, undefined, config, { logFollowed: false });
  return {
    doctor: diagnose(evidence, { only: ['output-buffer-at-risk'] }).results[0],
    watch: detectOutputBufferAtRisk(ctx),
    ratio: list.facts.maxOutputBufferRatio,
    ctx,
  };
}

const SMALL_NORMAL = 'normal 64kb 0 0 slave 256mb 64mb 60 pubsub 32mb 8mb 60';

describe('output-buffer risk: the doctor and watch judge alike', () => {
  it('a 40 KB buffer against a 64 KB limit is noise for both, and for the ratio gauge', () => {
    const { doctor, watch, ratio } = both(SMALL_NORMAL, [line(10, 'reader', 'N', 40 * KB)]);
    expect(doctor?.status).toBe('pass');
    expect(watch).toEqual([]);
    expect(ratio).toBe(0);
  });

  it('100 KB of a 128 KB limit is a risk for both, and the ratio says how close', () => {
    const limit = 'normal 128kb 0 0 slave 256mb 64mb 60 pubsub 32mb 8mb 60';
    const { doctor, watch, ratio, ctx } = both(limit, [line(10, 'reader', 'N', 100 * KB)]);
    expect(doctor).toMatchObject({ status: 'finding', evidence: { clients: [{ id: '10', share: 0.78 }] } });
    expect(watch).toHaveLength(1);
    expect(watch[0]?.evidence).toMatchObject({ clients: [{ id: '10', limitBytes: 128 * KB }] });
    expect(ratio).toBe(0.781);
    // watch's incident carries the doctor's advice for it.
    expect(doctorAdvice('output-buffer-at-risk', ctx, CAPTURE_TARGET)).toEqual({
      explanation: doctor?.explanation,
      fix: doctor?.fix,
    });
  });

  it('a subscriber Redis already scheduled to close (flag A) is at risk for both, whatever its share', () => {
    const { doctor, watch, ratio } = both(SMALL_NORMAL, [line(11, 'slow-sub', 'PA', 600 * KB)]);
    expect(doctor).toMatchObject({ status: 'finding', evidence: { clients: [{ id: '11', flags: 'PA' }] } });
    expect(watch.map((d) => d.evidence)).toMatchObject([{ clients: [{ id: '11' }] }]);
    // 600 KB of the 8 MB soft limit: the ratio is the share itself.
    expect(ratio).toBe(0.073);
  });

  it('the master link and classes without a limit are never at risk', () => {
    const { doctor, watch, ratio } = both('normal 0 0 0 slave 256mb 64mb 60 pubsub 32mb 8mb 60', [
      line(12, 'big-reply', 'N', 50 * 1024 * KB),
      line(13, 'master', 'M', 50 * 1024 * KB),
    ]);
    expect(doctor?.status).toBe('pass');
    expect(watch).toEqual([]);
    expect(ratio).toBe(0);
  });
});
