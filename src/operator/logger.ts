/** The operator's logger: pino, JSON lines on stderr, level from KCANARY_LOG_LEVEL (default info). */
import { pino, type Logger } from 'pino';

export function operatorLogger(env: NodeJS.ProcessEnv = process.env): Logger {
  return pino({ name: 'kcanary-operator', level: env.KCANARY_LOG_LEVEL ?? 'info', redact: ['*.token', '*.password', '*.authorization'] }, pino.destination(2));
}

/** The `(message, fields)` shape the operator's parts log through. */
export function logFunction(logger: Logger): (message: string, fields?: Record<string, unknown>) => void {
  return (message, fields) => logger.info(fields ?? {}, message);
}
