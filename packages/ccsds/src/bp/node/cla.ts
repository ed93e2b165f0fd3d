/**
 * UDP and STCP convergence layers over the stack's Node transports:
 * - UDP (ION's udpcl, RFC 7122 style): one bundle per datagram, `udp://host:port`, at most
 *   65,507 octets over IPv4.
 * - STCP (ION's simple TCP CL): each bundle preceded by its length as a 4-octet big-endian
 *   integer, `stcp://host:port`; zero-length records (ION's keepalives) are skipped.
 */
import { CcsdsError, CcsdsErrorCode } from '../../core/index.js';
import { parseHostPort } from '../../transport/index.js';
import { type ConvergenceLayer, PlainConvergenceLayer } from '../cla.js';
import { FileConvergenceLayer } from './file.js';
import { TcpclConvergenceLayer, type TcpclTlsOptions } from './tcpcl.js';
import {
  TcpTransport,
  type TcpTransportOptions,
  UdpTransport,
  type UdpTransportOptions,
} from '../../transport/node/index.js';

/** Opens a UDP convergence layer. */
export async function openUdpCla(
  options: UdpTransportOptions = {},
): Promise<PlainConvergenceLayer> {
  // UdpTransport.send resolves in the socket's send callback: the kernel has the datagram.
  return new PlainConvergenceLayer(await UdpTransport.open(options), 'udp', 'udp', true);
}

/** Opens an STCP convergence layer (listening at `options.host:port`). */
export async function openStcpCla(
  options: TcpTransportOptions = {},
): Promise<PlainConvergenceLayer> {
  return new PlainConvergenceLayer(await TcpTransport.open(options), 'stcp', 'tcp');
}

/** Options of {@link openConvergenceLayer}. */
export interface OpenClaOptions {
  /** Node ID announced by TCPCL sessions (e.g. `ipn:1.0`). */
  nodeId?: string;
  /** Poll interval of a File CLA reader, ms. */
  pollIntervalMs?: number;
  /** TLS of a TCPCL layer. */
  tls?: TcpclTlsOptions;
}

/**
 * Opens the convergence layer an address names, listening at that address:
 * `udp://host:port`, `stcp://host:port`, `tcpcl://host:port` or `file:///path/of/inbox`.
 * Other schemes reject with `INVALID_ARGUMENT`.
 */
export async function openConvergenceLayer(
  url: string,
  options: OpenClaOptions = {},
): Promise<ConvergenceLayer> {
  if (typeof url === 'string' && url.startsWith('file://')) {
    return new FileConvergenceLayer({
      inbox: decodeURIComponent(url.slice('file://'.length)),
      ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
    });
  }
  const a = parseHostPort(url);
  switch (a.scheme) {
    case 'udp':
      return openUdpCla({ host: a.host, port: a.port });
    case 'stcp':
      return openStcpCla({ host: a.host, port: a.port });
    case 'tcpcl':
      return TcpclConvergenceLayer.open({
        host: a.host,
        port: a.port,
        ...(options.nodeId === undefined ? {} : { nodeId: options.nodeId }),
        ...(options.tls === undefined ? {} : { tls: options.tls }),
      });
    default:
      throw new CcsdsError(
        CcsdsErrorCode.INVALID_ARGUMENT,
        `no convergence layer for ${a.scheme}:// (udp, stcp, tcpcl, file)`,
      );
  }
}
