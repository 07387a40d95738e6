import { Writable } from 'node:stream';
import { createLogger } from '../../src/observability/logger.js';

/** A real logger whose JSON lines the test can read back. */
export function captureLog(level = 'debug') {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, text: () => lines.join('\n'), logger: createLogger(level, destination) };
}
