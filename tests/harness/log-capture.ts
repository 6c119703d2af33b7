/** The server's JSON log lines kept in memory, for tests that read what the server logged. */
import { createLogger, type Logger } from '../../server/ops/logging';

export interface CapturedLog {
  logger: Logger;
  /** Every line as written (JSON text). */
  text(): string;
  entries(): Record<string, unknown>[];
}

export function captureLog(level: 'info' | 'debug' = 'info'): CapturedLog {
  const lines: string[] = [];
  const logger = createLogger({ level, format: 'json', destination: { write: (line: string) => void lines.push(line) } });
  return {
    logger,
    text: () => lines.join(''),
    entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
