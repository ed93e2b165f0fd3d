/**
 * The layering holds: every module reaches another layer only through that layer's public face
 * (`<layer>/index.ts`, or `<layer>/node/index.ts`), nothing below the mission imports it, and a
 * ground station and a spacecraft assembled by hand from the package's public exports alone
 * (`ccsds/<layer>` specifiers, no deep imports) move files both ways over a noisy channel.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SimulatedClock } from 'ccsds/core';
import { MemoryFileStore } from 'ccsds/filestore';
import {
  GroundStation,
  PhysicalChannel,
  Spacecraft,
  downlinkCodeRate,
  type DownlinkFormat,
} from 'ccsds/mission';

const here = dirname(fileURLToPath(import.meta.url));
const src = resolve(here, '../../src');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** The layer folder of a source file, e.g. 'cfdp' or 'cfdp/node'. */
function layerOf(file: string): string {
  const parts = relative(src, file).split(sep);
  return parts[1] === 'node' ? `${parts[0]}/node` : parts[0]!;
}

test('modules reach other layers only through their index, and nothing imports the mission', () => {
  const violations: string[] = [];
  let crossings = 0;
  for (const file of sources(src)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
      const target = resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts'));
      const from = layerOf(file);
      const to = layerOf(target);
      // A layer's node/ part belongs to the layer.
      if (from === to || from === `${to}/node`) continue;
      crossings++;
      const rel = relative(src, target).split(sep).join('/');
      if (rel !== `${to}/index.ts`) violations.push(`${relative(src, file)} -> ${rel}`);
      if (to === 'mission' && !from.startsWith('mission')) {
        violations.push(`${relative(src, file)} imports the mission layer`);
      }
    }
  }
  assert.ok(crossings > 100, `only ${crossings} cross-layer imports found: the scan is broken`);
  assert.deepEqual(violations, []);
});

test('this test imports the library only through package subpaths', () => {
  const text = readFileSync(fileURLToPath(import.meta.url), 'utf8');
  const specifiers = [...text.matchAll(/^(?:import .*|\} )from '([^']+)';$/gm)].map((m) => m[1]!);
  assert.ok(specifiers.length >= 8, String(specifiers.length));
  for (const s of specifiers) assert.ok(s.startsWith('node:') || /^ccsds\/[a-z/]+$/.test(s), s);
});

test('nodes assembled by hand from public exports move files both ways over a noisy link', async () => {
  const clock = new SimulatedClock({ seed: 99 });
  const format: DownlinkFormat = {
    spacecraftId: 7,
    frameLength: 892,
    coding: { rs: { E: 16, interleave: 4 }, conv: '1/2', randomize: true },
  };
  const downRate = 400_000;
  const upRate = 20_000;
  const nodes: { spacecraft?: Spacecraft; ground?: GroundStation } = {};
  const up = new PhysicalChannel(
    clock,
    {
      lightTimeMs: 10,
      symbolRate: upRate,
      codeRate: 56 / 64,
      ebN0Db: 8.5,
      output: 'hard',
      seed: 1,
    },
    (bits, n) => nodes.spacecraft!.receive(bits, n),
  );
  const down = new PhysicalChannel(
    clock,
    {
      lightTimeMs: 10,
      symbolRate: downRate,
      codeRate: downlinkCodeRate(format),
      ebN0Db: 2.3,
      output: 'soft',
      seed: 2,
    },
    (symbols, n) => nodes.ground!.receive(symbols, n),
  );
  const timers = { ackTimerMs: 5000, nakTimerMs: 5000, maxFileSegmentLength: 700 };
  const scFs = new MemoryFileStore();
  const groundFs = new MemoryFileStore();
  const spacecraft = new Spacecraft({
    clock,
    spacecraftId: 7,
    entityId: 9,
    groundEntityId: 1,
    filestore: scFs,
    cfdp: timers,
    downlink: down,
    format,
    symbolRate: downRate,
    housekeepingIntervalMs: 500,
  });
  const ground = new GroundStation({
    clock,
    spacecraftId: 7,
    entityId: 1,
    spacecraftEntityId: 9,
    filestore: groundFs,
    cfdp: timers,
    uplink: up,
    format,
    cop1: true,
    fop: { t1Ms: 2000 },
    commandIntervalMs: 1000,
  });
  nodes.spacecraft = spacecraft;
  nodes.ground = ground;
  const content = (n: number, k: number): Uint8Array =>
    new Uint8Array(n).map((_, i) => (i * k) >> 3);
  const put = async (fs: MemoryFileStore, name: string, data: Uint8Array): Promise<void> => {
    const h = await fs.openWrite(name);
    await h.write(0, data);
    await h.close();
  };
  const upData = content(20_000, 13);
  const downData = content(120_000, 7);
  await put(groundFs, 'up.bin', upData);
  await put(scFs, 'down.bin', downData);
  const a = await ground.entity.put({
    destinationEntityId: 9,
    sourceFileName: 'up.bin',
    destinationFileName: 'up.bin',
  });
  const b = await spacecraft.entity.put({
    destinationEntityId: 1,
    sourceFileName: 'down.bin',
    destinationFileName: 'down.bin',
  });
  const results: number[] = [];
  void ground.entity.waitFor(a).then((r) => results.push(r.conditionCode));
  void spacecraft.entity.waitFor(b).then((r) => results.push(r.conditionCode));
  await clock.runAsync({ until: () => results.length === 2, untilTime: 600_000 });
  assert.deepEqual(results, [0, 0]);
  const read = async (fs: MemoryFileStore, name: string): Promise<Uint8Array> => {
    const h = await fs.openRead(name);
    const data = await h.read(0, await h.size());
    await h.close();
    return data;
  };
  assert.deepEqual(await read(scFs, 'up.bin'), upData);
  assert.deepEqual(await read(groundFs, 'down.bin'), downData);
  // The noise was real: Reed-Solomon corrected symbols, BCH corrected bits.
  assert.ok(ground.downlink.stats.chain.correctedSymbols > 0);
  assert.ok(spacecraft.uplink.stats.correctedCodeblocks > 0);
  assert.ok(ground.telemetry.decoded > 0);
  assert.ok(spacecraft.commandsAccepted > 0);
  await spacecraft.close();
  await ground.close();
  up.close();
  down.close();
});
