/**
 * Virtual Channel Access service, sending side: the queue of VCA_SDUs of one virtual channel
 * (TM, CCSDS 132.0-B-3 section 3.4 and 4.2.2; AOS, 732.0-B-4 section 3.4 and 4.1.4.4). A VCA_SDU
 * has the fixed length of the frame's data field (a managed parameter) and fills it exactly, one
 * SDU per frame: there is no pointer, no segmentation and no idle fill. TM frames carry it with
 * the Synchronisation Flag set and may carry 3 bits of VCA Status Fields in the Packet Order Flag
 * and Segment Length Identifier.
 */
import { CcsdsError, CcsdsErrorCode, checkInteger } from '../core/index.js';
import { invalidArgument } from './common.js';

/** One queued VCA_SDU. */
export interface VcaSdu {
  /** The SDU (exactly the data field length). */
  data: Uint8Array;
  /** VCA Status Fields, 3 bits (TM only; 0 otherwise). */
  statusFields: number;
}

/** Options of {@link VcaSduQueue}. */
export interface VcaSduQueueOptions {
  /** Octets of every VCA_SDU: the data field length. */
  sduLength: number;
  /** Most octets that may wait (default 16 MiB); more throws `LIMIT_EXCEEDED`. */
  maxQueuedOctets?: number;
}

/** Queue of fixed-length VCA_SDUs; see the module comment. */
export class VcaSduQueue {
  /** Octets of every VCA_SDU. */
  readonly sduLength: number;
  private readonly maxQueued: number;
  private queue: VcaSdu[] = [];
  private head = 0;

  /** @param options - SDU length and limit */
  constructor(options: VcaSduQueueOptions) {
    checkInteger(options.sduLength, 1, 65536, 'sduLength');
    this.sduLength = options.sduLength;
    this.maxQueued = options.maxQueuedOctets ?? 16 * 1024 * 1024;
    checkInteger(this.maxQueued, 1, 2 ** 40, 'maxQueuedOctets');
  }

  /** Octets waiting. */
  get queuedUserOctets(): number {
    return (this.queue.length - this.head) * this.sduLength;
  }

  /** True when an SDU is waiting (each one makes a full frame). */
  get hasFullZone(): boolean {
    return this.head < this.queue.length;
  }

  /**
   * Queues one VCA_SDU (kept by reference until sent: do not modify it).
   * @throws CcsdsError `INVALID_ARGUMENT` for a length other than the data field's or status
   *   fields beyond 3 bits, `LIMIT_EXCEEDED` when the queue is full
   */
  push(sdu: Uint8Array, statusFields = 0): void {
    if (sdu.length !== this.sduLength)
      throw invalidArgument(
        `VCA_SDU of ${sdu.length} octets; this channel takes ${this.sduLength}`,
      );
    checkInteger(statusFields, 0, 7, 'statusFields');
    if (this.queuedUserOctets + sdu.length > this.maxQueued) {
      throw new CcsdsError(
        CcsdsErrorCode.LIMIT_EXCEEDED,
        `VCA queue would exceed ${this.maxQueued} octets`,
      );
    }
    this.queue.push({ data: sdu, statusFields });
  }

  /** The next SDU, or undefined when none waits. */
  shift(): VcaSdu | undefined {
    if (this.head === this.queue.length) return undefined;
    const s = this.queue[this.head]!;
    this.head++;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return s;
  }
}
