/** Two CFDP entities on a simulated link in virtual time, for tests. */
import { SeededRandom, SimulatedClock } from 'ccsds/core';
import { CfdpEntity, type RemoteEntityConfig, simpleMib } from 'ccsds/cfdp';
import { MemoryFileStore } from 'ccsds/filestore';
import { type ChannelModel, SimulatedNetwork } from 'ccsds/transport';

/** A pair of entities (1 = sender side "ground", 2 = "spacecraft") on a modelled link. */
export interface SimPair {
  clock: SimulatedClock;
  net: SimulatedNetwork;
  a: CfdpEntity;
  b: CfdpEntity;
  fsA: MemoryFileStore;
  fsB: MemoryFileStore;
}

/** Builds a pair; `remote` settings apply to both directions. */
export function simPair(
  seed: number,
  link: ChannelModel = {},
  remote: Partial<RemoteEntityConfig> = {},
  ids: [bigint, bigint] = [1n, 2n],
): SimPair {
  const clock = new SimulatedClock({ seed });
  const net = new SimulatedNetwork(clock);
  net.setLink('a', 'b', link);
  const fsA = new MemoryFileStore({ now: () => clock.now() });
  const fsB = new MemoryFileStore({ now: () => clock.now() });
  const a = new CfdpEntity({
    mib: simpleMib(ids[0], [{ entityId: ids[1], address: 'sim://b', ...remote }]),
    transport: net.node('a'),
    filestore: fsA,
    clock,
  });
  const b = new CfdpEntity({
    mib: simpleMib(ids[1], [{ entityId: ids[0], address: 'sim://a', ...remote }]),
    transport: net.node('b'),
    filestore: fsB,
    clock,
  });
  return { clock, net, a, b, fsA, fsB };
}

/** Runs virtual time (and the promise jobs in between) until `done()` or nothing is left to do. */
export async function runUntil(
  clock: SimulatedClock,
  done: () => boolean,
  maxSteps = 5_000_000,
): Promise<boolean> {
  for (let i = 0; i < maxSteps; i++) {
    await new Promise<void>((r) => setImmediate(r));
    if (done()) return true;
    if (!clock.step()) {
      await new Promise<void>((r) => setImmediate(r));
      return done();
    }
  }
  return done();
}

/** Writes a file of `size` random octets into a store. */
export async function writeRandomFile(
  fs: MemoryFileStore,
  path: string,
  size: number,
  seed = 1,
): Promise<Uint8Array> {
  const data = new SeededRandom(seed).bytes(size);
  const h = await fs.openWrite(path, { truncate: true });
  for (let o = 0; o < size; o += 1 << 20) await h.write(o, data.subarray(o, o + (1 << 20)));
  await h.close();
  return data;
}

/** Reads a whole file back (test helper only). */
export async function readAll(fs: MemoryFileStore, path: string): Promise<Uint8Array | undefined> {
  const st = await fs.stat(path);
  if (st === undefined) return undefined;
  const h = await fs.openRead(path);
  const d = await h.read(0, st.size);
  await h.close();
  return d;
}

/** Runs virtual time up to `time` exactly (firing every timer before it, with promise jobs in between). */
export async function runUntilTime(clock: SimulatedClock, time: number): Promise<void> {
  for (;;) {
    await new Promise<void>((r) => setImmediate(r));
    const next = clock.nextTimerAt();
    if (next === undefined || next > time) {
      clock.runUntil(time);
      await new Promise<void>((r) => setImmediate(r));
      return;
    }
    clock.step();
  }
}
