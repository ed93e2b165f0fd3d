/**
 * The platform limit for one message per datagram: a bare node:dgram sender and receiver in two
 * processes, the sender awaiting each send and yielding to the event loop every 16 datagrams
 * (as UdpTransport does, so that nothing is lost locally).
 *   udp-raw-peer.ts receive <port> <count>      prints {"ready":true}, then a result line
 *   udp-raw-peer.ts send <port> <count> <size>
 */
import { createSocket } from 'node:dgram';

const [mode, portText, countText, sizeText] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText);
if (mode === 'receive') {
  const s = createSocket('udp4');
  let n = 0;
  let octets = 0;
  let t0 = 0;
  let last = 0;
  let timer: NodeJS.Timeout | undefined;
  const finish = (): void => {
    // From the first to the last datagram received (not to the idle timeout that ends a run
    // where some were lost).
    const seconds = (last - t0) / 1000;
    console.log(JSON.stringify({ side: 'raw-receiver', datagrams: n, octets, seconds }));
    s.close();
  };
  s.on('message', (m) => {
    last = performance.now();
    if (n === 0) t0 = last;
    n++;
    octets += m.length;
    if (timer) clearTimeout(timer);
    if (n >= count) finish();
    else timer = setTimeout(finish, 1000);
  });
  s.bind(port, '127.0.0.1', () => {
    s.setRecvBufferSize(8 << 20);
    console.log(JSON.stringify({ ready: true }));
  });
} else {
  const s = createSocket('udp4');
  s.bind(0, '127.0.0.1', async () => {
    s.setSendBufferSize(8 << 20);
    const buf = new Uint8Array(Number(sizeText)).fill(7);
    for (let i = 0; i < count; i++) {
      await new Promise<void>((r, j) => s.send(buf, port, '127.0.0.1', (e) => (e ? j(e) : r())));
      if (i % 16 === 15) await new Promise<void>((r) => setImmediate(r));
    }
    s.close();
  });
}
