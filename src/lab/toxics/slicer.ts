import type { Chunk } from '../proxy/chunk.js';
import { defineToxic } from './define-toxic.js';
import { sleep } from './sleep.js';

/** Cuts chunks into small "packets" of average_size ± size_variation bytes, delay µs apart. */
export default defineToxic<{ average_size: number; size_variation: number; delay: number }>({
  type: 'slicer',
  description: 'Slices TCP data up into small bits, optionally adding a delay between each sliced packet.',
  scope: 'stream',
  attributes: {
    average_size: { default: 1, doc: 'size in bytes of an average packet' },
    size_variation: {
      default: 0,
      doc: 'variation in bytes of an average packet (smaller than average_size)',
    },
    delay: { default: 0, doc: 'time in microseconds to delay each packet by' },
  },
  async *transform(chunk, { attributes: a, signal }): AsyncGenerator<Chunk> {
    let offset = 0;
    while (offset < chunk.data.length) {
      const variation = a.size_variation ? Math.round((Math.random() * 2 - 1) * a.size_variation) : 0;
      const size = Math.max(1, a.average_size + variation);
      yield { ...chunk, data: chunk.data.subarray(offset, offset + size) };
      offset += size;
      if (a.delay > 0 && offset < chunk.data.length && !(await sleep(a.delay / 1000, signal))) {
        yield { ...chunk, data: chunk.data.subarray(offset) }; // interrupted: the rest goes at once
        return;
      }
    }
  },
});
