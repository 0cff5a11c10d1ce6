import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { errorMessage } from '../core/errors.js';
import { packageRoot } from '../core/util/package-root.js';
import { startBridge } from './server.js';

const USAGE = `Usage: npm run serve -- [project-dir] [--port N] [--models DIR]

Serves the SonoTL app to a browser on this machine (127.0.0.1 only) and prints the URL to open,
with a per-launch token. Stop it with Ctrl+C. --models names the folder holding <backbone>/model.json
for studies (default: SONOTL_MODELS, else the user's model cache).`;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { port: { type: 'string' }, models: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (positionals.length > 1) throw new Error(`expected at most one project folder, got ${positionals.length}\n${USAGE}`);
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got "${values.port}"`);
  const bridge = await startBridge({ projectDir: positionals[0], rendererDir: join(packageRoot(), 'dist', 'renderer'), port, modelsDir: values.models });
  console.log(`SonoTL is serving on 127.0.0.1 only. Open:\n  ${bridge.url}`);
  const stop = (): void => {
    void bridge.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e) => {
  console.error(`sonotl serve: ${errorMessage(e)}`);
  process.exit(1);
});
