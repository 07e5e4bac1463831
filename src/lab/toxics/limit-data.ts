import { defineToxic } from './define-toxic.js';

/**
 * Passes `bytes` bytes on this stream, then closes the connection. The count is per connection and
 * survives an update of the toxic (Toxiproxy's LimitDataToxic keeps its state for the link's life).
 */
export default defineToxic<{ bytes: number }>({
  type: 'limit_data',
  description: 'Closes the connection when the transmitted data exceeds the limit.',
  scope: 'stream',
  attributes: { bytes: { default: 0, doc: 'number of bytes to transmit before the connection is closed' } },
  keepStateOnUpdate: true,
  transform(chunk, ctx) {
    const sent = (ctx.state.sent as number | undefined) ?? 0;
    const room = ctx.attributes.bytes - sent;
    if (chunk.data.length < room) {
      ctx.state.sent = sent + chunk.data.length;
      return [chunk];
    }
    ctx.state.sent = ctx.attributes.bytes;
    // Let the part up to the limit reach the socket before the FIN.
    queueMicrotask(() => ctx.connection.close());
    return room > 0 ? [{ ...chunk, data: chunk.data.subarray(0, room) }] : [];
  },
});
