import type { Chunk } from '../proxy/chunk.js';
import { defineToxic } from './define-toxic.js';
import { sleep } from './sleep.js';

/** Limits the stream to `rate` KB/s (1 KB = 1000 bytes, as Toxiproxy), in slices of at most 100 ms. */
export default defineToxic<{ rate: number }>({
  type: 'bandwidth',
  description: 'Limits a connection to a maximum number of kilobytes per second.',
  scope: 'stream',
  attributes: { rate: { default: 0, doc: 'rate in KB/s (0 = unlimited)' } },
  async *transform(chunk, { attributes: { rate }, signal }): AsyncGenerator<Chunk> {
    if (rate <= 0) {
      yield chunk;
      return;
    }
    const perSlice = rate * 100; // bytes in 100 ms
    let rest = chunk.data;
    while (rest.length > 0) {
      const slice = rest.subarray(0, perSlice);
      // rate KB/s = rate bytes per ms
      if (!(await sleep(slice.length / rate, signal))) {
        yield { ...chunk, data: rest }; // interrupted: the rest goes at once
        return;
      }
      yield { ...chunk, data: slice };
      rest = rest.subarray(slice.length);
    }
  },
});
