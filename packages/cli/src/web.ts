/**
 * `ccsds web`: the ground-station console in the browser (see `@ccsds/web`). Serves on
 * 127.0.0.1 by default; another bind address needs a token (a random one is printed when none is
 * given). Without `--config` it starts the demo spacecraft in-process.
 */
import type { Command } from 'commander';
import { readFlagFile } from './io.js';
import { CliFailure, type Output } from './output.js';
import { parseInteger } from './parse.js';
import { loadScenario } from './sim.js';

interface WebFlags {
  config?: string;
  port: string;
  bind: string;
  token?: string;
  json?: boolean;
  sim?: string;
  tlsCert?: string;
  tlsKey?: string;
}

/** Adds the `web` command. */
export function registerWebCommand(program: Command, out: Output): void {
  program
    .command('web')
    .description('serve the ground-station console (CFDP transfers, files, packets, plots, links)')
    .option('--config <file>', 'station configuration (JSON); default: a demo spacecraft')
    .option('--port <n>', 'HTTP port (0 picks a free one)', '8080')
    .option('--bind <address>', 'bind address; anything but loopback needs a token', '127.0.0.1')
    .option('--token <token>', 'access token (random when binding beyond loopback)')
    .option(
      '--sim <scenario>',
      'put the spacecraft behind a simulated space link in real time (a ccsds sim scenario: leo, lunar, mars or a JSON file)',
    )
    .option('--tls-cert <pem>', 'serve https/wss with this certificate chain (PEM file)')
    .option('--tls-key <pem>', 'the private key of --tls-cert (PEM file)')
    .option('--json', 'print the address as JSON')
    .action(async (o: WebFlags) => {
      const port = parseInteger(o.port, 0, 65535, '--port');
      let tls: { cert: string; key: string } | undefined;
      if (o.tlsCert !== undefined || o.tlsKey !== undefined) {
        if (o.tlsCert === undefined || o.tlsKey === undefined)
          throw new CliFailure('--tls-cert and --tls-key go together', 2);
        tls = {
          cert: readFlagFile(o.tlsCert, '--tls-cert').toString('utf8'),
          key: readFlagFile(o.tlsKey, '--tls-key').toString('utf8'),
        };
      }
      // Loaded here, not at start-up: the other commands do not pay for the web server.
      const { loadStationConfig, startConsole } = await import('@ccsds/web/server');
      let config;
      try {
        config = o.config === undefined ? undefined : loadStationConfig(o.config);
      } catch (e) {
        throw new CliFailure((e as Error).message, 2);
      }
      let sim;
      if (o.sim !== undefined) {
        const { parseScenario } = await import('ccsds/mission');
        try {
          sim = parseScenario(await loadScenario(o.sim));
        } catch (e) {
          throw new CliFailure((e as Error).message, 2);
        }
      }
      let running;
      try {
        running = await startConsole({
          port,
          bind: o.bind,
          ...(config === undefined ? {} : { config }),
          ...(sim === undefined ? {} : { sim }),
          ...(o.token === undefined ? {} : { token: o.token }),
          ...(tls === undefined ? {} : { tls }),
        });
      } catch (e) {
        throw new CliFailure(`cannot start the console: ${(e as Error).message}`, 2);
      }
      if (o.json === true)
        out.stdout(
          JSON.stringify({
            url: running.url,
            port: running.port,
            token: running.token ?? null,
            filestore: running.filestore,
            demoFilestore: running.demoFilestore ?? null,
          }) + '\n',
        );
      else {
        out.stdout(`ccsds web console: ${running.url}\n`);
        out.stdout(`local filestore: ${running.filestore}\n`);
        if (running.demoFilestore !== undefined)
          out.stdout(
            `${sim === undefined ? 'demo spacecraft (entity 2)' : `spacecraft of ${sim.name} (entity ${sim.spacecraft.entityId}, behind the simulated link)`} filestore: ${running.demoFilestore}\n`,
          );
        if (running.token !== undefined)
          out.stdout(`access token: ${running.token} (needed because --bind is not loopback)\n`);
        out.stdout('press Ctrl-C to stop\n');
      }
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await running.close();
    });
}
