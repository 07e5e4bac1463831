import type { Chunk } from '../proxy/chunk.js';
import { defineToxic } from './define-toxic.js';
import { sleep } from './sleep.js';

/**
 * Where to cut `length` bytes, as Toxiproxy's SlicerToxic does: a piece no more than size_variation
 * over average_size stays whole; a larger one is halved, the cut moved by up to ± size_variation, and
 * each half cut again. Pieces are never empty here (Toxiproxy can emit empty ones for bad settings).
 */
function cuts(start: number, end: number, average: number, variation: number, out: number[]): void {
  if (end - start - average <= variation || end - start <= 1) {
    out.push(end);
    return;
  }
  let mid = start + Math.floor((end - start) / 2);
  if (variation > 0) mid += Math.floor(Math.random() * 2 * variation) - variation;
  mid = Math.min(end - 1, Math.max(start + 1, mid));
  cuts(start, mid, average, variation, out);
  cuts(mid, end, average, variation, out);
}

/** Cuts each chunk into "packets" of about average_size bytes, and waits `delay` µs after each one. */
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
    const ends: number[] = [];
    cuts(0, chunk.data.length, a.average_size, a.size_variation, ends);
    let offset = 0;
    for (const end of ends) {
      yield { ...chunk, data: chunk.data.subarray(offset, end) };
      offset = end;
      // Toxiproxy waits after every piece, the last one included.
      if (a.delay > 0 && !(await sleep(a.delay / 1000, signal))) {
        if (offset < chunk.data.length) yield { ...chunk, data: chunk.data.subarray(offset) }; // the rest at once
        return;
      }
    }
  },
});
