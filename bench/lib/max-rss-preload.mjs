// Preload for measuring a Node child's peak RSS without /usr/bin/time:
//   LIFELINE_BENCH_RSS_FILE=/tmp/x.json node --import ./bench/lib/max-rss-preload.mjs dist/cli/main.js ...
// On exit it writes {"maxRssKiB": n, ...} (getrusage ru_maxrss, kibibytes on Linux) to that file.
import { writeFileSync } from 'node:fs';

const file = process.env.LIFELINE_BENCH_RSS_FILE;
if (file) {
  process.on('exit', (code) => {
    const usage = process.resourceUsage();
    writeFileSync(
      file,
      JSON.stringify({
        maxRssKiB: usage.maxRSS,
        userCpuMs: usage.userCPUTime / 1000,
        systemCpuMs: usage.systemCPUTime / 1000,
        exitCode: code,
      }),
    );
  });
}
