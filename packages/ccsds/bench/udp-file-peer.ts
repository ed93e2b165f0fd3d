/**
 * The platform limit for moving a file one segment per datagram with a CRC-32 of its content,
 * without any protocol: a bare node:dgram sender that reads the file in 256 KiB chunks (one
 * reused buffer), computes `node:zlib`'s CRC-32 of each segment and sends it (awaiting each
 * send, yielding every 16 datagrams, as udp-raw-peer does), and a bare receiver that computes the
 * CRC-32 of each datagram and writes the data to a file at the offset carried in its first 8
 * octets (256 KiB write-behind buffers). No retransmission: what is lost is lost (and counted).
 *   udp-file-peer.ts receive <port> <count> <outFile>   prints {"ready":true}, then a result line
 *   udp-file-peer.ts send <port> <file> <segment>
 */
import { createSocket } from 'node:dgram';
import { open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

const CHUNK = 256 * 1024;
const [mode, portText, a, b] = process.argv.slice(2);
const port = Number(portText);

if (mode === 'receive') {
  const count = Number(a);
  const out = await open(b!, 'w');
  const s = createSocket('udp4');
  let n = 0;
  let octets = 0;
  let crc = 0;
  let t0 = 0;
  let last = 0;
  let timer: NodeJS.Timeout | undefined;
  let buf: Uint8Array = new Uint8Array(CHUNK);
  let bufStart = -1;
  let bufLength = 0;
  const writes = new Set<Promise<unknown>>();
  const spare: Uint8Array[] = [];
  const flush = (): void => {
    if (bufLength === 0) return;
    const full = buf;
    const w = out.write(full, 0, bufLength, bufStart).then(() => {
      writes.delete(w);
      spare.push(full);
    });
    writes.add(w);
    buf = spare.pop() ?? new Uint8Array(CHUNK);
    bufLength = 0;
  };
  const finish = async (): Promise<void> => {
    s.close();
    flush();
    await Promise.all(writes);
    await out.close();
    const seconds = (last - t0) / 1000;
    console.log(
      JSON.stringify({ side: 'file-receiver', datagrams: n, octets, seconds, crc: crc >>> 0 }),
    );
  };
  s.on('message', (m) => {
    last = performance.now();
    if (n === 0) t0 = last;
    n++;
    octets += m.length;
    const offset = m.readUIntBE(2, 6);
    const data = m.subarray(8);
    crc = crc32(data, crc);
    if (bufLength > 0 && (offset !== bufStart + bufLength || bufLength + data.length > CHUNK))
      flush();
    if (bufLength === 0) bufStart = offset;
    buf.set(data, bufLength);
    bufLength += data.length;
    if (timer) clearTimeout(timer);
    if (n >= count) void finish();
    else timer = setTimeout(() => void finish(), 1000);
  });
  s.bind(port, '127.0.0.1', () => {
    s.setRecvBufferSize(8 << 20);
    console.log(JSON.stringify({ ready: true }));
  });
} else {
  const file = await open(a!, 'r');
  const segment = Number(b);
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  s.setSendBufferSize(8 << 20);
  const chunk = new Uint8Array(CHUNK - (CHUNK % segment));
  const header = new Uint8Array(8);
  const size = (await file.stat()).size;
  let crc = 0;
  let i = 0;
  for (let pos = 0; pos < size; ) {
    const { bytesRead } = await file.read(chunk, 0, chunk.length, pos);
    if (bytesRead === 0) break;
    for (let o = 0; o < bytesRead; o += segment) {
      const data = chunk.subarray(o, Math.min(o + segment, bytesRead));
      crc = crc32(data, crc);
      const at = pos + o;
      header[2] = Math.floor(at / 2 ** 40) & 0xff;
      header[3] = Math.floor(at / 2 ** 32) & 0xff;
      header[4] = (at >>> 24) & 0xff;
      header[5] = (at >>> 16) & 0xff;
      header[6] = (at >>> 8) & 0xff;
      header[7] = at & 0xff;
      await new Promise<void>((r, j) =>
        s.send([header, data], port, '127.0.0.1', (e) => (e ? j(e) : r())),
      );
      if (i++ % 16 === 15) await new Promise<void>((r) => setImmediate(r));
    }
    pos += bytesRead;
  }
  s.close();
  await file.close();
  console.log(JSON.stringify({ side: 'file-sender', crc: crc >>> 0 }));
}
