import { parseArgs } from 'node:util';
import { KcanaryError, UsageError } from '../../errors.js';
import type { Command } from '../command.js';

const USAGE = `Usage: kcanary serve --model <storageUri> --name <model> [--port 8080] [--host 127.0.0.1] [--max-body-bytes N]

Serves one ONNX model with KServe's V1 and Open Inference (V2) REST protocols.
Prints "serving <name> on <url>" when ready; stops on SIGINT/SIGTERM.`;

// Errors of the in-process API name its fields; on the command line the flags are the names.
const FLAG_OF_FIELD: Readonly<Record<string, string>> = { storageUri: '--model', port: '--port' };

function parseFlags(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: {
        model: { type: 'string' },
        name: { type: 'string' },
        port: { type: 'string', default: '8080' },
        host: { type: 'string', default: '127.0.0.1' },
        'max-body-bytes': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new UsageError(`serve: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`, { cause: error });
  }
}

function parseInteger(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new UsageError(`serve: ${flag} must be an integer from ${min} to ${max}, got "${value}"`);
  return n;
}

const command: Command = {
  name: 'serve',
  summary: 'Serve an ONNX model with the KServe V1 and Open Inference (V2) protocols.',
  usage: USAGE,
  flags: [
    { name: 'model', value: 'URI', text: 'file:// URI or path of an .onnx file, or of a directory holding model.onnx (required)' },
    { name: 'name', value: 'MODEL', text: 'the model name in /v1/models/<name> and /v2/models/<name> (required)' },
    { name: 'port', value: 'N', text: 'port to listen on (default 8080; 0 picks a free one)' },
    { name: 'host', value: 'ADDRESS', text: 'address to listen on (default 127.0.0.1)' },
    { name: 'max-body-bytes', value: 'N', text: 'larger request bodies get 413 (default 16 MiB)' },
  ],
  examples: [
    'kcanary serve --model file://./models/housing/v1 --name housing --port 9001',
  ],
  async run(ctx) {
    const flags = parseFlags(ctx.argv);
    if (!flags.model) throw new UsageError(`serve: --model is required\n\n${USAGE}`);
    if (!flags.name || flags.name.includes('/')) throw new UsageError(`serve: --name is required and cannot contain "/"\n\n${USAGE}`);
    const port = parseInteger('--port', flags.port, 0, 65535);
    const maxBodyBytes = flags['max-body-bytes'] === undefined ? undefined : parseInteger('--max-body-bytes', flags['max-body-bytes'], 1, 2 ** 31);
    // Loaded only now: onnxruntime's native library is not needed by other verbs.
    const { startModelServer } = await import('../../modelserver/index.js');
    let server;
    try {
      server = await startModelServer({
        storageUri: flags.model,
        modelName: flags.name,
        host: flags.host,
        port,
        maxBodyBytes,
        cwd: ctx.cwd,
        onError: (error) => ctx.stderr.write(`kcanary serve: ${error instanceof Error ? error.message : String(error)}\n`),
      });
    } catch (error) {
      if (!(error instanceof KcanaryError)) throw error;
      const message = error.message.replace(/^(\w+):/, (whole, field: string) => FLAG_OF_FIELD[field] ?? whole);
      throw new UsageError(`serve: ${message}`, { cause: error });
    }
    ctx.stdout.write(`serving ${flags.name} on ${server.url}\n`);
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await server.close();
    ctx.stderr.write(`kcanary serve: stopped\n`);
    return 0;
  },
};
export default command;
