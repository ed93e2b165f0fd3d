/** `ccsds packets info|split|count|validate`: Space Packet stream tools. */
import type { Command } from 'commander';
import type { Output } from './output.js';

/** Adds the `packets` noun to the program. */
export function registerPacketCommands(program: Command, out: Output): void {
  const packets = program.command('packets').description('Space Packet streams (CCSDS 133.0-B-2)');
  void packets;
  void out;
}
