/** A piece of the byte stream and when the proxy received it (latency subtracts time already spent). */
export interface Chunk {
  data: Buffer;
  receivedAt: number;
}
