import { defineToxic } from './define-toxic.js';
import { sleep } from './sleep.js';

/** Holds back the end of the stream (FIN) for `delay` ms. */
export default defineToxic<{ delay: number }>({
  type: 'slow_close',
  description: 'Delays the TCP socket from closing until delay has elapsed.',
  scope: 'stream',
  attributes: { delay: { default: 0, doc: 'time in milliseconds' } },
  async end({ attributes: { delay }, signal }) {
    await sleep(delay, signal);
    return true;
  },
});
