/**
 * CFDP benchmark: Class 2 transfer of a large file between two processes over loopback UDP, for
 * 1,024- and 8,192-octet segments, with the peak RSS of each process; and in the same run the
 * raw rate of a bare node:dgram sender/receiver pair with the same datagram size (the platform
 * limit for one PDU per datagram), and the rate of a bare pair moving the same file with a CRC-32
 * and no protocol (udp-file-peer.ts: the limit for a file transfer one segment per datagram on
 * this machine). `CCSDS_BENCH_CFDP_MIB` sets the file size (default 1024 MiB).
 * The two entities run on the compiled library (`npm run build` first; `npm run bench` does).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, runPair as pair } from './peers.js';
import { writeRandomFile } from './random-file.js';

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(1)} k`;
}

/** Runs the CFDP benchmark. */
export async function run2(): Promise<void> {
  const mib = Number(process.env['CCSDS_BENCH_CFDP_MIB'] ?? '1024');
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-bench-cfdp-'));
  try {
    const size = writeRandomFile(join(dir, 'big.bin'), mib);
    for (const segment of [1024, 8192]) {
      const datagram = segment + 14; // header (2-octet IDs, 4-octet sequence numbers) + offset
      const count = Math.min(Math.ceil(size / segment), 300_000);
      const rp = freePort();
      const [raw] = await pair(
        ['udp-raw-peer.ts', ['receive', String(rp), String(count)]],
        ['udp-raw-peer.ts', ['send', String(rp), String(count), String(datagram)]],
      );
      const rawRate = Number(raw['datagrams']) / Number(raw['seconds']);
      const rawBytes = Number(raw['octets']) / Number(raw['seconds']);
      const lost = count - Number(raw['datagrams']);
      // The same file moved without a protocol: read + CRC-32 + sendto / recvmsg + CRC-32 + write.
      const fp = freePort();
      const segments = Math.ceil(size / segment);
      const [plain] = await pair(
        ['udp-file-peer.ts', ['receive', String(fp), String(segments), join(dir, 'big.bin.plain')]],
        ['udp-file-peer.ts', ['send', String(fp), join(dir, 'big.bin'), String(segment)]],
      );
      rmSync(join(dir, 'big.bin.plain'), { force: true });
      const plainBytes = (Number(plain['datagrams']) * segment) / Number(plain['seconds']);
      const plainLost = segments - Number(plain['datagrams']);
      const [pr, ps] = [freePort(), freePort()];
      const [rx, tx] = await pair(
        ['cfdp-peer.mjs', ['receive', dir, String(pr), String(ps)]],
        ['cfdp-peer.mjs', ['send', dir, 'big.bin', String(ps), String(pr), String(segment)]],
      );
      rmSync(join(dir, 'big.bin.rx'), { force: true });
      const seconds = Number(tx['seconds']);
      const goodput = size / seconds;
      const pdus = Number(tx['pdusSent']) / seconds;
      console.log(
        `cfdp class 2 ${mib} MiB over UDP, ${segment}-octet segments: ${(goodput / 1e6).toFixed(1)} MB/s goodput, ${fmt(pdus)}PDUs/s, ` +
          `condition ${String(tx['conditionCode'])}/${String(rx['conditionCode'])}, peak RSS sender ${Number(tx['maxRssMiB']).toFixed(0)} MiB (+${(Number(tx['maxRssMiB']) - Number(tx['baseRssMiB'])).toFixed(0)} after start-up) receiver ${Number(rx['maxRssMiB']).toFixed(0)} MiB (+${(Number(rx['maxRssMiB']) - Number(rx['baseRssMiB'])).toFixed(0)}) ` +
          `(${(goodput / rawBytes).toFixed(2)}x bare node:dgram pair: ${fmt(rawRate)}datagrams/s, ${(rawBytes / 1e6).toFixed(1)} MB/s of ${datagram}-octet datagrams${lost > 0 ? `, ${lost} lost` : ''}; ` +
          `${(goodput / plainBytes).toFixed(2)}x a bare file pair, read + CRC-32 + sendto / recvmsg + CRC-32 + write, no protocol: ${(plainBytes / 1e6).toFixed(1)} MB/s of file data${plainLost > 0 ? `, ${plainLost} segments lost` : ''})`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export { run2 as run };
