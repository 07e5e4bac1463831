/** CONFIG GET reply (flat [name, value, ...] array, or the same as text lines) → name → value. */
export function parseConfigReply(reply: readonly unknown[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1] ?? '');
  return out;
}

/** `redis-cli CONFIG GET '*'` output: name and value on alternating lines. */
export function parseConfigText(text: string): Record<string, string> {
  const lines = text.replace(/\r/g, '').split('\n');
  if (lines.at(-1) === '') lines.pop();
  return parseConfigReply(lines);
}
