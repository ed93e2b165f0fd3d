// One side of the CFDP benchmark, run as its own process on the compiled library (dist/, built by
// `npm run build`), so that its peak RSS is that of the library and not of a TypeScript loader.
//   cfdp-peer.mjs receive <dir> <localPort> <peerPort>           prints {"ready":true} then waits
//   cfdp-peer.mjs send <dir> <file> <localPort> <peerPort> <segment>
// Each prints one JSON line at the end with its elapsed time and peak RSS.
import { RealClock } from 'ccsds/core';
import { CfdpEntity, simpleMib } from 'ccsds/cfdp';
import { useNodeCrc32 } from 'ccsds/cfdp/node';
import { NativeFileStore } from 'ccsds/filestore/node';
import { UdpTransport } from 'ccsds/transport/node';

const [mode, dir, ...rest] = process.argv.slice(2);
// File checksums (type 3) with node:zlib's CRC-32, as a Node.js application would.
useNodeCrc32();
const baseRssMiB = process.memoryUsage().rss / 1048576;
const timers = {
  ackTimerMs: 1000,
  nakTimerMs: 1000,
  inactivityTimerMs: 120_000,
  keepAliveIntervalMs: 0,
  ackLimit: 50,
  nakLimit: 100,
  maxPduLength: 65535,
};
const peakRssMiB = () => process.resourceUsage().maxRSS / 1024;

if (mode === 'receive') {
  const [local, peer] = rest.map(Number);
  const transport = await UdpTransport.open({ port: local });
  const entity = new CfdpEntity({
    mib: simpleMib(2, [{ entityId: 1, address: `udp://127.0.0.1:${peer}`, ...timers }]),
    transport,
    filestore: await NativeFileStore.open(dir),
    clock: new RealClock(),
  });
  let t0 = 0;
  entity.events.on('metadataRecv', () => (t0 = performance.now()));
  entity.events.on('transactionFinished', (e) => {
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      JSON.stringify({
        side: 'receiver',
        conditionCode: e.conditionCode,
        seconds,
        maxRssMiB: peakRssMiB(),
        baseRssMiB,
      }),
    );
    void entity
      .close()
      .then(() => transport.close())
      .then(() => process.exit(0));
  });
  console.log(JSON.stringify({ ready: true }));
} else if (mode === 'send') {
  const [file, local, peer, segment] = rest;
  const transport = await UdpTransport.open({ port: Number(local) });
  const entity = new CfdpEntity({
    mib: simpleMib(1, [
      {
        entityId: 2,
        address: `udp://127.0.0.1:${peer}`,
        ...timers,
        maxFileSegmentLength: Number(segment),
      },
    ]),
    transport,
    filestore: await NativeFileStore.open(dir),
    clock: new RealClock(),
  });
  const t0 = performance.now();
  const id = await entity.put({
    destinationEntityId: 2,
    sourceFileName: file,
    destinationFileName: `${file}.rx`,
    transmissionClass: 2,
    checksumType: 3,
  });
  const r = await entity.waitFor(id);
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    JSON.stringify({
      side: 'sender',
      conditionCode: r.conditionCode,
      seconds,
      octets: r.report.progress,
      pdusSent: entity.counters.pdusSent,
      maxRssMiB: peakRssMiB(),
      baseRssMiB,
    }),
  );
  await entity.close();
  await transport.close();
} else {
  console.error('usage: cfdp-peer.mjs receive|send ...');
  process.exit(2);
}
