import type { Chunk } from '../proxy/chunk.js';
import { defineToxic } from './define-toxic.js';
import { sleep, untilAborted } from './sleep.js';

/**
 * Limits the stream to `rate` KB/s (1 KB = 1000 bytes), as Toxiproxy's BandwidthToxic: a chunk larger
 * than 100 ms' worth goes out in 100 ms slices, the rest after the time it is owed; the time a wait
 * overran is taken off the next one, so the rate holds over many chunks. A rate of 0 lets nothing
 * through: data waits until the toxic is removed or updated, then goes on at once (Toxiproxy's loop
 * sends empty slices forever at rate 0).
 */
export default defineToxic<{ rate: number }>({
  type: 'bandwidth',
  description: 'Limits a connection to a maximum number of kilobytes per second.',
  scope: 'stream',
  attributes: { rate: { default: 0, doc: 'rate in KB/s (0 = nothing passes until the toxic goes)' } },
  async *transform(chunk, { attributes: { rate }, signal, state }): AsyncGenerator<Chunk> {
    if (rate <= 0) {
      await untilAborted(signal);
      yield chunk;
      return;
    }
    const slice = rate * 100; // bytes per 100 ms (rate KB/s = rate bytes per ms)
    let owed = ((state.owed as number | undefined) ?? 0) + chunk.data.length / rate;
    let rest = chunk.data;
    while (rest.length > slice) {
      if (!(await sleep(100, signal))) {
        yield { ...chunk, data: rest }; // interrupted: the rest goes at once
        return;
      }
      yield { ...chunk, data: rest.subarray(0, slice) };
      rest = rest.subarray(slice);
      owed -= 100;
    }
    const start = performance.now();
    await sleep(owed, signal);
    state.owed = owed - (performance.now() - start);
    yield { ...chunk, data: rest }; // interrupted or not, the rest goes on
  },
});
